"""The committed notebooks read without a kernel and without a network, as on GitHub or nbviewer.

Each notebook is rendered by nbconvert's HTML exporter (its default lab template, as nbviewer
uses it; nothing is executed) and opened in headless Chromium (Debian's) with the network off:
every request that is not for a local file is recorded and aborted, and no host name resolves.
The template itself asks for require.js and MathJax from a CDN; those requests are aborted too,
and must be the only ones: nothing in the notebooks' outputs may reach for the network (Altair's
HTML would fetch vega-embed, a widget state the widget manager). Then the views' snapshots, the
cards, the waterfalls and the charts must be on the page with a size. Full-page screenshots go to
test-artifacts/notebooks-static/ for a person to look at.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
ARTIFACTS = ROOT / "test-artifacts" / "notebooks-static"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
VEGALITE = "application/vnd.vegalite.v6+json"

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed: `apt-get install chromium` (as .ci/run does) to run the "
           "no-kernel notebook test")


def outputs(notebook: Path) -> list[dict[str, Any]]:
    cells = json.loads(notebook.read_text())["cells"]
    return [o for c in cells if c["cell_type"] == "code" for o in c.get("outputs", [])]


def render(notebook: Path, folder: Path) -> tuple[Path, set[str]]:
    """The notebook as one HTML file, and the addresses its template asks for by itself."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter()
    body, _ = exporter.from_filename(str(notebook))
    page = folder / f"{notebook.stem}.html"
    page.write_text(body, encoding="utf-8")
    return page, {exporter.require_js_url, exporter.mathjax_url, exporter.mermaid_js_url,
                  exporter.mermaid_layout_elk_js_url, exporter.jquery_url}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND"])
        try:
            yield launched
        finally:
            launched.close()


def open_offline(browser: Any, page_file: Path) -> tuple[Any, list[str]]:
    """The page opened from disk with every other request aborted; returns it and the
    addresses that were asked for."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    asked: list[str] = []

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if url.startswith("file:"):
            request_route.continue_()
        else:
            asked.append(url)
            request_route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.goto(page_file.as_uri(), wait_until="load")
    page.wait_for_timeout(300)  # a script that asks late (a widget manager, vega-embed) has asked
    return page, asked


def visible_with_size(locator: Any) -> bool:
    box = locator.bounding_box()
    return locator.is_visible() and box is not None and box["width"] > 0 and box["height"] > 0


@needs_chromium
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_a_notebook_reads_without_a_kernel_or_a_network(notebook, browser, tmp_path):
    page_file, template_urls = render(notebook, tmp_path)
    page, asked = open_offline(browser, page_file)
    try:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{notebook.stem}.png"), full_page=True)

        assert not [url for url in asked if url not in template_urls], (
            "the notebook's outputs asked for the network")
        text = page.locator("body").inner_text()
        assert "Error displaying widget" not in text and "Loading widget" not in text

        # Every displayed view left its final state; every chart is drawn, marks and all.
        views = sum(WIDGET_VIEW in o.get("data", {}) for o in outputs(notebook))
        snapshots = page.locator(".tk-snapshot")
        assert snapshots.count() == views
        for i in range(views):
            assert visible_with_size(snapshots.nth(i))
        for i in range(page.locator("svg.tk-waterfall").count()):
            waterfall = page.locator("svg.tk-waterfall").nth(i)
            assert visible_with_size(waterfall)
            bars = waterfall.locator("rect.tk-bar")
            assert bars.count() > 0 and all(visible_with_size(bars.nth(b))
                                            for b in range(bars.count()))
        charts = sum(VEGALITE in o.get("data", {}) for o in outputs(notebook))
        drawn = page.locator(".jp-RenderedSVG img")  # the SVG, as a data: address
        assert drawn.count() == charts
        for i in range(charts):
            chart = drawn.nth(i)
            assert visible_with_size(chart) and chart.evaluate("i => i.naturalWidth") > 0
            svg = base64.b64decode(chart.get_attribute("src").split(",", 1)[1]).decode()
            assert re.search(r'class="mark-(rect|line|symbol)[^"]*"[^>]*>\s*<path', svg)
    finally:
        page.context.close()


@needs_chromium
def test_the_quickstart_shows_the_turns_cards_answer_and_waterfall(browser, tmp_path):
    notebook = ROOT / "notebooks" / "01_quickstart.ipynb"
    page, _ = open_offline(browser, render(notebook, tmp_path)[0])
    try:
        snapshot = page.locator(".tk-snapshot").first
        cards = snapshot.locator(".tk-card:not(.tk-skeleton)")
        assert cards.count() == 3
        # The titles on the cards are the ones the notebook lists in text further down.
        listed = "".join("".join(o.get("data", {}).get("text/plain", ""))
                         for o in outputs(notebook))
        for i in range(3):
            title = cards.nth(i).locator("b")
            assert visible_with_size(title) and title.inner_text().strip() in listed
        assert visible_with_size(snapshot.locator(".tk-answer"))
        assert snapshot.locator(".tk-answer").inner_text().strip()
        waterfall = snapshot.locator("svg.tk-waterfall")
        assert visible_with_size(waterfall) and waterfall.locator("rect.tk-bar").count() >= 3
        ttfc = waterfall.locator("line.tk-ttfc").bounding_box()  # a vertical line: no width
        assert ttfc is not None and ttfc["height"] > 0
        assert "time to first chunk" in snapshot.locator(".tk-table").first.inner_text()
    finally:
        page.context.close()


@needs_chromium
def test_the_comparison_and_the_syllabus_read_as_they_ran(browser, tmp_path):
    compare, _ = open_offline(browser, render(
        ROOT / "notebooks" / "02_parallel_vs_sequential.ipynb", tmp_path)[0])
    try:
        snapshot = compare.locator(".tk-snapshot").first
        assert snapshot.locator("svg.tk-waterfall").count() == 2  # sequential and parallel
        assert "sequential / parallel" in snapshot.inner_text()
    finally:
        compare.context.close()
    syllabus, _ = open_offline(browser, render(ROOT / "notebooks" / "04_syllabus.ipynb",
                                               tmp_path)[0])
    try:
        snapshot = syllabus.locator(".tk-snapshot").first
        modules = snapshot.locator(".tk-card")
        assert modules.count() == 6 and all(visible_with_size(modules.nth(i)) for i in range(6))
        assert "modules: 6 / 6" in snapshot.inner_text()
        assert visible_with_size(snapshot.locator("svg.tk-waterfall"))
    finally:
        syllabus.context.close()


# What the snapshots and charts are made of, without a browser.

def test_the_waterfall_is_svg_in_start_order_with_ttfc_and_escaped_names():
    from toolkit.core.timing import Span
    from toolkit.views.waterfall import waterfall_svg

    svg = waterfall_svg([Span(name="late", start_ms=5, end_ms=10),
                         Span(name="<b>early</b>", start_ms=0, end_ms=4)], 10.0, ttfc_ms=2.0,
                        title="a <title>")
    assert svg.startswith("<svg") and svg.count('class="tk-bar"') == 2
    assert svg.index("&lt;b&gt;early") < svg.index(">late<") and "<b>" not in svg
    assert 'class="tk-ttfc" x1="202.0"' in svg  # 2 ms of 10 along a 360 px lane from x=130
    assert "a &lt;title&gt;" in svg and "<script" not in svg and "href" not in svg


def test_a_chart_carries_its_svg_and_no_html_that_would_fetch_vega():
    import altair as alt
    import pandas as pd

    from toolkit.views.charts import VEGALITE_MIME_TYPE, chart_bundle, enable_static_charts

    chart = alt.Chart(pd.DataFrame({"k": [1, 2], "ms": [3.0, 4.5]})).mark_bar().encode(
        x="k:O", y="ms:Q")
    bundle = chart_bundle(chart)
    assert set(bundle) == {VEGALITE_MIME_TYPE, "image/svg+xml", "text/plain"}
    assert bundle[VEGALITE_MIME_TYPE]["mark"] == {"type": "bar"}
    assert bundle["image/svg+xml"].startswith("<svg") and 'class="mark-rect' in bundle[
        "image/svg+xml"]
    enable_static_charts()
    try:
        assert set(chart._repr_mimebundle_()) == set(bundle)  # every chart from then on
    finally:
        alt.renderers.enable("default")


def test_a_displayed_view_leaves_its_final_state_as_html_and_closes_its_widgets(monkeypatch):
    import toolkit.views.notebook as notebook
    from toolkit.assistant.events import DoneEvent, ProductsEvent, TextEvent, TimingEvent
    from toolkit.core.timing import Span

    shown: list[dict[str, str]] = []
    monkeypatch.setattr(notebook, "get_ipython", lambda: type("Shell", (), {"kernel": object()}))
    monkeypatch.setattr(notebook, "display", lambda bundle, raw: shown.append(bundle))
    quiet = notebook.ChatTurnView("not displayed")
    quiet.render(DoneEvent())
    assert shown == []  # a view nobody displayed leaves nothing

    view = notebook.ChatTurnView("<i>krimi</i>")
    displayed = view._repr_mimebundle_()
    assert displayed["text/html"] == "" and displayed["text/plain"] == "ChatTurnView('<i>krimi</i>')"
    view.render(ProductsEvent(products=[{"id": "P", "title": "Lumememm <b>", "price": 9.9}],
                              metadata={}))
    view.render(TextEvent(delta="Siin <on> valik."))
    view.render(TimingEvent(ttfc_ms=1.0, total_ms=10.0, spans=[Span(name="search", start_ms=2,
                                                                    end_ms=8)]))
    assert shown == []  # the timing inside the turn is not a run of its own
    view.render(DoneEvent())
    assert len(shown) == 1
    html = shown[0]["text/html"]
    assert html.count("<style>") == 1 and "<script" not in html
    assert "Lumememm &lt;b&gt;" in html and "Siin &lt;on&gt; valik." in html
    assert "you: &lt;i&gt;krimi&lt;/i&gt;" in html and 'class="tk-waterfall"' in html
    assert view.comm is None and view.cards.comm is None and view.timing.chart.comm is None
