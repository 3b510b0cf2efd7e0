"""HTML for product cards, skeleton placeholders, timing waterfalls and tables.

Shared by the faces (the notebook views and the Streamlit app). Everything that comes from a
catalog, a model or a shopper is escaped here: `escape` inside HTML, `escape_markdown` where a
Markdown renderer reads it. A title with `<script>` shows as text, and one with
`![x](http://host/track.png)` or a bare URL shows as text too, never as an image the shopper's
browser would fetch or a live link.
"""

from __future__ import annotations

import html
import re

from toolkit.core.timing import Span
from toolkit.shop.search import ProductHit

STYLE = """
<style>
.tk-cards{display:flex;gap:10px;flex-wrap:wrap;margin:6px 0}
.tk-card{width:190px;min-height:92px;border:1px solid #ddd;border-radius:8px;padding:8px;
  font-family:sans-serif;font-size:12px;background:#fff;position:relative}
.tk-card b{display:block;font-size:13px;margin-bottom:3px;padding-right:64px}
.tk-price{font-weight:bold;color:#1a5d1a;margin-top:4px}
.tk-badge{position:absolute;top:6px;right:6px;background:#f5b301;color:#fff;border-radius:8px;
  padding:1px 6px;font-size:10px}
.tk-out{position:absolute;bottom:6px;right:6px;color:#b00;font-size:10px}
.tk-skeleton{background:linear-gradient(90deg,#eee 25%,#f7f7f7 37%,#eee 63%);
  background-size:400% 100%;animation:tk-shimmer 1.4s ease infinite;border:none}
@keyframes tk-shimmer{0%{background-position:100% 50%}100%{background-position:0 50%}}
.tk-meta{font-family:sans-serif;font-size:12px;color:#555}
.tk-answer{font-family:sans-serif;font-size:14px;line-height:1.45;max-width:720px;
  white-space:pre-line}
.tk-sugg span{display:inline-block;border:1px solid #99c;border-radius:12px;padding:2px 9px;
  margin:2px;font-size:12px;font-family:sans-serif;color:#336}
.tk-wf{font-family:monospace;font-size:11px}
.tk-wf .row{display:flex;align-items:center;height:16px}
.tk-wf .name{width:120px;overflow:hidden;white-space:nowrap}
.tk-wf .lane{position:relative;flex:1;height:12px;background:#fafafa}
.tk-wf .bar{position:absolute;height:12px;background:#4a7bd0;border-radius:2px}
.tk-wf .ttfc{position:absolute;top:0;bottom:0;width:2px;background:#d33}
.tk-wf .dur{width:80px;text-align:right}
.tk-table{border-collapse:collapse;font-family:sans-serif;font-size:12px}
.tk-table td,.tk-table th{border-bottom:1px solid #eee;padding:2px 8px;text-align:right}
.tk-table td:first-child,.tk-table th:first-child{text-align:left}
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
    text = html.escape("" if value is None else str(value)).translate(_MARKDOWN)
    return _AUTOLINK.sub(lambda m: "\u200b".join(g for g in m.groups() if g), text)


def card_html(product: ProductHit) -> str:
    badge = '<span class="tk-badge">★ popular</span>' if product.in_popular_list else ""
    outside = '<span class="tk-out">above budget</span>' if product.outside_budget else ""
    author = f"<div>{escape(product.author)}</div>" if product.author else ""
    kind = escape(product.category or product.product_type or "")
    return (f'<div class="tk-card">{badge}<b>{escape(product.title)}</b>{author}'
            f'<div class="tk-meta">{kind}</div>'
            f'<div class="tk-price">{product.price:.2f} €</div>{outside}</div>')


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
    return "-" if value is None else f"{value:.1f} ms"


