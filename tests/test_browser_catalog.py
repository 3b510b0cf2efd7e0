"""The catalog page in a real browser (headless Debian Chromium through Playwright, the app on a
free localhost port, as in test_browser.py): a refused file's message as a person reads it, then
a good CSV through the page's file input, its preview, the switch, and a chat turn that shows a
card from it. Screenshots go to test-artifacts/ (git-ignored) for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect
from test_browser import ARTIFACTS, CHROMIUM, browser_page, running_app, send

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed: `apt-get install chromium` (as .ci/run does) to run the "
           "browser test")

GOOD_CSV = (
    "id;title;author;price;category;product_type;language\n"
    "UP-1;Udu saladus Kassari rannal;Mari Udumets;12,90 €;Krimi;Raamatud;et\n"
    "UP-2;Kadunud majakavaht;Mari Udumets;9,50;Krimi;Raamatud;et\n"
    "UP-3;Saarte kokaraamat;Peeter Praad;24,00;Kokaraamatud;Raamatud;et\n"
)
UPLOADED_TITLES = ("Udu saladus Kassari rannal", "Kadunud majakavaht")
BAD_CSV = "id,title,price\n1,Raamat,tasuta\n"


def test_upload_preview_switch_and_chat_in_a_real_browser(tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    good, bad = tmp_path / "kevad.csv", tmp_path / "halb.csv"
    good.write_text(GOOD_CSV, encoding="utf-8")
    bad.write_text(BAD_CSV, encoding="utf-8")
    with running_app({"TOOLKIT_DB": str(tmp_path / "e2e.duckdb")}) as url, \
            browser_page() as page:
        page.goto(f"{url}/catalog", wait_until="domcontentloaded")
        file_input = page.locator("[data-testid='stFileUploaderDropzoneInput']")
        file_input.wait_for(state="attached", timeout=60_000)

        file_input.set_input_files(str(bad))
        refusal = page.get_by_test_id("stAlertContentError").first
        refusal.wait_for(timeout=60_000)
        said = refusal.inner_text()
        assert "halb.csv was refused" in said
        assert "row 2: column 'price' is not a number: 'tasuta'" in said  # as text, unmangled
        assert str(tmp_path) not in said  # the upload's name, not where it was copied

        file_input.set_input_files(str(good))
        page.get_by_text("Imported 3 products from kevad.csv").wait_for(timeout=60_000)
        # Products, languages, categories of the upload; the page redraws the elements one by
        # one, so the first metrics may still be the previous run's for a moment: wait for them.
        metrics = page.get_by_test_id("stMetricValue")
        for i, value in enumerate(("3", "1", "2")):
            expect(metrics.nth(i)).to_have_text(value, timeout=30_000)
        page.get_by_test_id("stDataFrame").first.wait_for(timeout=60_000)
        page.get_by_role("button", name="Use this catalog").wait_for(timeout=60_000)
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTIFACTS / "e2e-catalog-preview.png"), full_page=True)

        page.get_by_role("button", name="Use this catalog").click()
        page.get_by_text("This session uses this catalog.").wait_for(timeout=60_000)
        page.get_by_test_id("stSidebarNav").get_by_text("Chat").click()
        send(page, "krimiromaanid")
        card = page.locator(".tk-card:not(.tk-skeleton)").first
        card.wait_for(timeout=60_000)
        shown = page.locator(".tk-cards").first.inner_text()
        assert any(title in shown for title in UPLOADED_TITLES), shown
        page.wait_for_timeout(300)
        page.screenshot(path=str(ARTIFACTS / "e2e-catalog-chat.png"), full_page=True)
    for name in ("e2e-catalog-preview.png", "e2e-catalog-chat.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000
    assert Path(tmp_path / "uploads").is_dir()
