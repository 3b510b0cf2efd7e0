"""The ipywidgets views render events into widget values and escape product text."""

from __future__ import annotations

import asyncio

from toolkit.assistant.events import (
    DoneEvent,
    IntentEvent,
    ProductsEvent,
    SkeletonEvent,
    TextEvent,
    TimingEvent,
)
from toolkit.core.timing import Span
from toolkit.shop.search import ProductHit
from toolkit.syllabus.events import ModuleEvent, OutlineEvent, ProgressEvent
from toolkit.views.notebook import (
    ChatTurnView,
    CompareView,
    SyllabusView,
    card_html,
    waterfall_html,
)

EVIL = {"id": "X1", "title": "<script>alert('x')</script>", "author": "<b>bold</b>",
        "price": 9.5, "category": "Krimi", "in_popular_list": True}


def test_product_text_is_escaped():
    html = card_html(ProductHit(**EVIL))
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;bold" in html
    assert "★ populaarne" in html and "★ popular<" in card_html(ProductHit(**EVIL), "en")


def test_chat_view_turns_skeleton_into_cards_and_streams_text():
    view = ChatTurnView("krimi")
    view.render(IntentEvent(intent="product_search", confidence=0.9, decision="search", signals={},
                            context={}))
    view.render(SkeletonEvent(count=3))
    assert view.cards.value.count('class="tk-card tk-skeleton"') == 3
    view.render(TextEvent(delta="Siin <on> "))
    view.render(ProductsEvent(products=[EVIL], metadata={}))
    view.render(TextEvent(delta="valikud."))
    assert 'class="tk-card tk-skeleton"' not in view.cards.value
    assert "&lt;script&gt;" in view.cards.value
    assert "Siin &lt;on&gt; valikud." in view.answer.value
    view.render(TimingEvent(ttfc_ms=1.0, total_ms=10.0, spans=[Span(name="search", start_ms=2,
                                                                   end_ms=8)]))
    assert "search" in view.timing.chart.value and "1.0 ms" in view.timing.table.value


def test_a_revised_skeleton_disappears():
    view = ChatTurnView()
    view.render(SkeletonEvent(count=3))
    view.render(IntentEvent(intent="greeting", confidence=0.9, decision="conversational",
                            signals={}, context={}, revised_from="search"))
    view.render(DoneEvent())
    assert view.cards.value == "" and "revised" in view.header.value


def test_view_consumes_a_real_turn(assistant, conversation):
    view = ChatTurnView("luule")
    events = asyncio.run(view.consume(assistant.stream("luule", conversation)))
    assert events[-1].type == "done" and view.cards.value.count('class="tk-card"') == 3
    assert "time to first chunk" in view.timing.table.value


def test_compare_view_reports_the_ratio(assistant, conversation):
    view = CompareView()
    results = asyncio.run(view.run(assistant, "luule", conversation))
    assert set(results) == {"sequential", "parallel"} and "x</td>" in view.summary.value


def test_syllabus_view_shows_progress_and_cards():
    view = SyllabusView()
    view.render(OutlineEvent(title="<i>Course</i>", audience="all",
                             modules=[{"number": 1, "title": "A", "scope": ""},
                                      {"number": 2, "title": "B", "scope": ""}]))
    view.render(ModuleEvent(number=2, module={"number": 2, "title": "B<script>", "topics": ["t"],
                                              "objectives": ["o"], "estimated_hours": 3}))
    view.render(ProgressEvent(done=1, failed=0, total=2))
    view.render(ModuleEvent(number=1, module=None, error="ModelTimeout"))
    view.render(ProgressEvent(done=1, failed=1, total=2))
    assert view.progress.max == 2 and view.progress.value == 2
    assert "&lt;i&gt;Course" in view.title.value and "B&lt;script&gt;" in view.modules.value
    assert view.modules.value.index("1. failed") < view.modules.value.index("2. B")


def test_waterfall_marks_ttfc():
    html = waterfall_html([Span(name="a", start_ms=0, end_ms=5)], 10.0, ttfc_ms=2.0)
    assert "class='ttfc'" in html and "left:20.00%" in html


def test_nested_loops_are_opt_in():
    import toolkit.views.notebook  # noqa: F401  (importing must not patch asyncio)

    assert not hasattr(asyncio.run, "__wrapped__") and asyncio.run.__module__ == "asyncio.runners"


def test_nested_loops_can_be_allowed_when_asked():
    import subprocess
    import sys

    code = ("import asyncio\nfrom toolkit.views.notebook import allow_nested_loops\n"
            "async def outer():\n    return asyncio.run(asyncio.sleep(0, 'inner'))\n"
            "allow_nested_loops()\nprint(asyncio.run(outer()))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "inner", done.stderr


def test_run_sync_works_inside_a_running_loop():
    from toolkit.core.aio import run_sync

    async def inside():
        return run_sync(lambda: asyncio.sleep(0, "ok"))

    assert asyncio.run(inside()) == "ok" and run_sync(lambda: asyncio.sleep(0, 1)) == 1


def test_card_prices_read_as_the_answer_writes_them():
    from toolkit.assistant.answer import price_text

    product = ProductHit(id="P", title="Raamat", price=10)
    assert "10,00 €" in card_html(product, "et") and "€10.00" in card_html(product, "en")
    assert price_text(10, "et") == "10,00 €" and price_text(10, "en") == "€10.00"
    view = ChatTurnView()
    view.render(ProductsEvent(products=[product], metadata={"context": {"language": "en"}}))
    assert "€10.00" in view.cards.value and "10,00 €" not in view.cards.value


def test_an_http_image_is_shown_lazily_without_a_referrer():
    html = card_html(ProductHit(id="P", title='Aed "<b>"', price=5,
                                image_url="https://img.example/a.png?x=1&y=2"))
    assert '<img src="https://img.example/a.png?x=1&amp;y=2"' in html
    for attribute in ('alt="Aed &quot;&lt;b&gt;&quot;"', 'loading="lazy"',
                      'referrerpolicy="no-referrer"', 'width="172"', 'height="110"'):
        assert attribute in html


def test_any_other_image_address_gets_a_drawn_cover_instead():
    for url in ("javascript:alert(1)", "data:image/png;base64,AAAA", "//host/a.png", "a.png",
                "http://", "ftp://host/a.png", "http://host/a b.png", "http://host/a\tb.png",
                " ", None):
        html = card_html(ProductHit(id="P", title="Aed", price=5, image_url=url))
        assert "<img" not in html and 'class="tk-cover"' in html, url
    sneaky = card_html(ProductHit(id="P", title="Aed", price=5,
                                  image_url='https://h/a.png"onerror="alert(1)'))
    assert "<img" in sneaky and 'onerror="' not in sneaky and "&quot;onerror=&quot;" in sneaky


def test_the_drawn_cover_has_the_title_and_category_in_a_colour_of_the_category():
    import colorsys
    import re

    from toolkit.views.html import cover_colour

    html = card_html(ProductHit(id="P", title="Lumememm <i>", price=5, category="Krimi"))
    cover = html[html.index('<div class="tk-cover"'):html.index("</div>") + 6]
    assert "Krimi" in cover and "Lumememm &lt;i&gt;" in cover and cover_colour("Krimi") in cover
    assert cover_colour("Krimi") == cover_colour("Krimi") != cover_colour("Ulme")

    def luminance(rgb):
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    for category in [f"category {n}" for n in range(300)]:
        hue, saturation, lightness = map(float, re.findall(r"[\d.]+", cover_colour(category)))
        rgb = colorsys.hls_to_rgb(hue / 360, lightness / 100, saturation / 100)
        assert 1.05 / (luminance(rgb) + 0.05) >= 4.5, category  # white text on it


def test_cards_take_their_colours_from_the_theme():
    from toolkit.views.html import STYLE

    card_rule = STYLE[STYLE.index(".tk-card{"):STYLE.index("}", STYLE.index(".tk-card{"))]
    assert "color:inherit" in card_rule and "background:rgba(" in card_rule
    assert "#fff;" not in card_rule and "#555" not in STYLE


def test_the_syllabus_view_marks_a_module_from_the_template():
    view = SyllabusView()
    view.render(ModuleEvent(number=1, module={
        "number": 1, "title": "A", "topics": ["t"], "objectives": ["o"], "estimated_hours": 3,
        "fallback": "Written from the offline template: <timeout>."}))
    assert "tk-fallback" in view.modules.value
    assert "Written from the offline template: &lt;timeout&gt;." in view.modules.value
