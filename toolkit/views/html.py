"""HTML for product cards, skeleton placeholders, timing waterfalls and tables.

Shared by the faces (the notebook views and the Streamlit app). Everything that comes from a
catalog, a model or a shopper is escaped here: `escape` inside HTML, `escape_markdown` where a
Markdown renderer reads it. A title with `<script>` shows as text, and one with
`![x](http://host/track.png)` or a bare URL shows as text too, never as an image the shopper's
browser would fetch or a live link. The one address a card loads is the product's own
`image_url`, and only an http(s) one, lazily and without a referrer; a product without one gets
a cover drawn from its title and category, which loads nothing.

Colours follow the page's theme: text inherits the theme's colour and backgrounds are
translucent greys over the theme's own, so cards read in Streamlit's light and dark themes and in
JupyterLab's; only the badges and covers carry their own colour pairs, each with its text.
"""

from __future__ import annotations

import hashlib
import html
import re
from urllib.parse import urlsplit

from toolkit.assistant.answer import price_text
from toolkit.core.timing import Span
from toolkit.shop.search import ProductHit

STYLE = """
<style>
.tk-cards{display:flex;gap:10px;flex-wrap:wrap;margin:6px 0}
.tk-card{width:190px;min-height:92px;box-sizing:border-box;border:1px solid rgba(128,128,128,.35);
  border-radius:8px;padding:8px;font-family:sans-serif;font-size:12px;line-height:1.35;
  color:inherit;background:rgba(128,128,128,.08);position:relative}
.tk-card b{display:block;font-size:13px;margin-bottom:3px}
.tk-cover{display:flex;flex-direction:column;justify-content:flex-end;box-sizing:border-box;
  width:100%;height:110px;margin-bottom:6px;border-radius:5px;overflow:hidden;padding:8px;
  color:#fff;background:#3a4a5a}
.tk-cover img{display:block;width:100%;height:110px;object-fit:cover}
.tk-cover.tk-photo{padding:0;background:rgba(128,128,128,.15)}
.tk-cover .tk-kind{font-size:9px;letter-spacing:.06em;text-transform:uppercase;opacity:.9}
.tk-cover .tk-name{font-family:Georgia,serif;font-size:13px;font-weight:bold;overflow:hidden;
  display:-webkit-box;-webkit-line-clamp:4;-webkit-box-orient:vertical}
.tk-price{font-weight:bold;margin-top:4px}
.tk-badge{position:absolute;top:12px;right:12px;background:#f5b301;color:#1c1c1c;border-radius:8px;
  padding:1px 6px;font-size:10px}
.tk-out{display:inline-block;margin-top:4px;background:#b3261e;color:#fff;border-radius:8px;
  padding:1px 6px;font-size:10px}
.tk-skeleton{background:linear-gradient(90deg,rgba(128,128,128,.14) 25%,rgba(128,128,128,.26) 37%,
  rgba(128,128,128,.14) 63%);background-size:400% 100%;animation:tk-shimmer 1.4s ease infinite;
  border:none;min-height:200px}
@keyframes tk-shimmer{0%{background-position:100% 50%}100%{background-position:0 50%}}
.tk-status{font-family:sans-serif;font-size:13px;opacity:.85;display:flex;align-items:center;gap:8px}
.tk-status:before{content:"";width:12px;height:12px;border-radius:50%;flex:none;
  border:2px solid rgba(128,128,128,.35);border-top-color:#4a7bd0;animation:tk-spin .8s linear infinite}
@keyframes tk-spin{to{transform:rotate(360deg)}}
.tk-meta{font-family:sans-serif;font-size:12px;opacity:.8}
.tk-answer{font-family:sans-serif;font-size:14px;line-height:1.45;max-width:720px;
  white-space:pre-line}
.tk-sugg span{display:inline-block;border:1px solid rgba(128,128,128,.5);border-radius:12px;
  padding:2px 9px;margin:2px;font-size:12px;font-family:sans-serif}
.tk-wf{font-family:monospace;font-size:11px}
.tk-wf .row{display:flex;align-items:center;height:16px}
.tk-wf .name{width:120px;overflow:hidden;white-space:nowrap}
.tk-wf .lane{position:relative;flex:1;height:12px;background:rgba(128,128,128,.12)}
.tk-wf .bar{position:absolute;height:12px;background:#4a7bd0;border-radius:2px}
.tk-wf .ttfc{position:absolute;top:0;bottom:0;width:2px;background:#d33}
.tk-wf .dur{width:80px;text-align:right}
.tk-table{border-collapse:collapse;font-family:sans-serif;font-size:12px}
.tk-table td,.tk-table th{border-bottom:1px solid rgba(128,128,128,.3);padding:2px 8px;
  text-align:right}
.tk-table td:first-child,.tk-table th:first-child{text-align:left}
.tk-fallback{font-size:11px;opacity:.85;font-style:italic;margin-top:4px}
</style>
"""


# HTML's own escapes, and line breaks as references: a blank line would end the HTML block a
# Markdown renderer (Streamlit's st.markdown) leaves alone, and the rest would be read as Markdown.
_HTML = str.maketrans({**{c: html.escape(c) for c in "&<>\"'"}, "\n": "&#10;", "\r": "&#13;"})
# For text a Markdown renderer reads (a caption, an error box): the characters that build
# images, links, emphasis, code, math, lists, headings and tables, as references that show as
# themselves; and a zero-width space in "://" and "www." so no bare URL becomes a live link.
_MARKDOWN = str.maketrans({**{c: f"&#{ord(c)};" for c in "\\`*_{}[]()#+-!|~@=$"}, "\n": " "})
_AUTOLINK = re.compile(r"(?i)(:)(//)|(www)(\.)")


def escape(value: object) -> str:
    """Text made safe inside HTML: it shows as itself and builds nothing."""
    return ("" if value is None else str(value)).translate(_HTML)


def escape_markdown(value: object) -> str:
    """Text made safe where Markdown is rendered: no image, no link, no markup from it."""
    # Quotes build nothing once < is escaped; escaped, their "&#x27;" would have its "#"
    # escaped again and show as "&#x27;" (a browser test reads the text).
    text = html.escape("" if value is None else str(value), quote=False).translate(_MARKDOWN)
    return _AUTOLINK.sub(lambda m: "\u200b".join(g for g in m.groups() if g), text)


def image_src(url: str | None) -> str | None:
    """A product image address the card may load: http or https with a host, else None (a
    `javascript:`, `data:` or relative address is never put in the page)."""
    if not url or any(c.isspace() or ord(c) < 32 for c in url.strip()):
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.hostname else None


def cover_colour(category: str | None) -> str:
    """The generated cover's background: one hue per category, the same on every run, dark
    enough for white text at every hue (5.4:1 at the lightest)."""
    hue = int(hashlib.sha256((category or "").encode()).hexdigest()[:8], 16) % 360
    return f"hsl({hue},42%,30%)"


def cover_html(product: ProductHit) -> str:
    """The product's picture at a fixed size: its image when it has an http(s) one (loaded
    lazily, sending no referrer), else a cover drawn from its title and category, with no
    request at all."""
    src = image_src(product.image_url)
    if src is not None:
        return (f'<div class="tk-cover tk-photo"><img src="{escape(src)}" '
                f'alt="{escape(product.title)}" width="172" height="110" loading="lazy" '
                f'decoding="async" referrerpolicy="no-referrer"></div>')
    kind = product.category or product.product_type or ""
    return (f'<div class="tk-cover" style="background:{cover_colour(kind)}" role="img" '
            f'aria-label="{escape(product.title)}"><span class="tk-kind">{escape(kind)}</span>'
            f'<span class="tk-name">{escape(product.title)}</span></div>')


def card_html(product: ProductHit, language: str = "et") -> str:
    """One product card in `language`: its labels, and its price written as the answer text
    writes it (Estonian `10,00 €`, English `€10.00`)."""
    et = language == "et"
    badge = (f'<span class="tk-badge">★ {"populaarne" if et else "popular"}</span>'
             if product.in_popular_list else "")
    outside = (f'<span class="tk-out">{"üle eelarve" if et else "above budget"}</span>'
               if product.outside_budget else "")
    author = f"<div>{escape(product.author)}</div>" if product.author else ""
    kind = escape(product.category or product.product_type or "")
    return (f'<div class="tk-card">{cover_html(product)}{badge}<b>{escape(product.title)}</b>'
            f'{author}<div class="tk-meta">{kind}</div>'
            f'<div class="tk-price">{escape(price_text(product.price, language))}</div>{outside}'
            f'</div>')


def cards_html(products: list[ProductHit], language: str = "et", style: bool = True) -> str:
    """A row of cards, with the style sheet unless the page already has it."""
    return ((STYLE if style else "") + '<div class="tk-cards">'
            + "".join(card_html(p, language) for p in products) + "</div>")


def status_html(text: str) -> str:
    """A line saying what the assistant is doing, with a spinner: the wait made visible."""
    return f"<div class='tk-status'>{escape(text)}</div>"


def skeleton_html(count: int) -> str:
    return '<div class="tk-cards">' + '<div class="tk-card tk-skeleton"></div>' * count + "</div>"


def waterfall_html(spans: list[Span], total_ms: float, ttfc_ms: float | None = None,
                   title: str = "") -> str:
    """Spans as bars on one time axis, TTFC as a red line."""
    scale = max(total_ms, 0.001)
    rows = [f"<div class='tk-meta'>{escape(title)}</div>"] if title else []
    for span in spans:
        left = 100 * span.start_ms / scale
        width = max(0.4, 100 * (span.end_ms - span.start_ms) / scale)
        marker = (f"<div class='ttfc' style='left:{100 * ttfc_ms / scale:.2f}%'></div>"
                  if ttfc_ms is not None else "")
        rows.append(f"<div class='row'><div class='name'>{escape(span.name)}</div><div class='lane'>"
                    f"<div class='bar' style='left:{left:.2f}%;width:{width:.2f}%'></div>{marker}"
                    f"</div><div class='dur'>{span.end_ms - span.start_ms:.1f} ms</div></div>")
    return STYLE + "<div class='tk-wf'>" + "".join(rows) + "</div>"


def table(rows: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in rows)
    return f"<table class='tk-table'>{body}</table>"


def ms(value: float | None) -> str:
    """A duration for a person: "12.3 ms", or "–" when there is none."""
    return "–" if value is None else f"{value:.1f} ms"


