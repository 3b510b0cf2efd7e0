"""End to end in a real browser: the Streamlit app on a free localhost port, driven by
Playwright in headless Chromium (Debian's, since Playwright's own download does not work here).
Screenshots are saved to test-artifacts/ for a person to look at: the chat, and the cards in
the light and the dark theme (with their measured contrast beside them, as JSON)."""

from __future__ import annotations

import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed: `apt-get install chromium` (as .ci/run does) to run the "
           "browser test")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(env: dict[str, str], options: tuple[str, ...] = (),
                log: Path | None = None) -> Iterator[str]:
    """The app on a free port with `env` added to the environment and `options` given to
    `streamlit run`; yields its URL. The server's output goes to `log` when one is given."""
    port = free_port()
    out = log.open("wb") if log is not None else subprocess.DEVNULL
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
         *options],
        cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("the Streamlit app did not become healthy within 60 s")
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        if log is not None:
            out.close()


@contextmanager
def browser_page() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"])
        try:
            yield browser.new_page(viewport={"width": 1400, "height": 1100})
        finally:
            browser.close()


@pytest.fixture
def app_url(tmp_path):
    with running_app({"TOOLKIT_DB": str(tmp_path / "e2e.duckdb")}) as url:
        yield url


def send(page: Any, message: str) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    box.wait_for(timeout=60_000)
    box.fill(message)
    box.press("Enter")


def test_chat_in_a_real_browser(app_url):
    ARTIFACTS.mkdir(exist_ok=True)
    with browser_page() as page:
        page.goto(app_url, wait_until="domcontentloaded")
        send(page, "krimiromaanid alla 20 euro")
        page.locator(".tk-card:not(.tk-skeleton)").first.wait_for(timeout=60_000)
        assert page.locator(".tk-card:not(.tk-skeleton)").count() == 3
        assert "Krimi" in page.locator(".tk-cards").first.inner_text()
        assert "€" in page.locator(".tk-price").first.inner_text()
        timing = page.get_by_text("First visible").first
        timing.wait_for(timeout=60_000)
        assert page.get_by_test_id("stVegaLiteChart").count() == 0  # closed: nothing drawn
        timing.click()
        page.get_by_test_id("stVegaLiteChart").first.wait_for(timeout=60_000)
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTIFACTS / "e2e-chat.png"), full_page=True)
    assert (ARTIFACTS / "e2e-chat.png").stat().st_size > 10_000


# The WCAG contrast of an element's text against what is painted behind it: the computed
# colours of the element and of every ancestor, translucent ones laid over what is below, the
# text faded by the opacities on its way up.
CONTRAST = """(element) => {
  const rgba = (css) => {
    const parts = css.match(/[\\d.]+/g).map(Number);
    return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
  };
  const over = (top, below) => top.slice(0, 3).map((c, i) => c * top[3] + below[i] * (1 - top[3]));
  const layers = [];
  let opacity = 1;  // an element's opacity fades its text too
  for (let node = element; node; node = node.parentElement) {
    layers.push(rgba(getComputedStyle(node).backgroundColor));
    opacity *= Number(getComputedStyle(node).opacity);
  }
  let background = [255, 255, 255];  // the canvas under the page
  for (const layer of layers.reverse()) background = over(layer, background);
  const color = rgba(getComputedStyle(element).color);
  const text = over([...color.slice(0, 3), color[3] * opacity], background);
  const luminance = (rgb) => {
    const [r, g, b] = rgb.map((c) => {
      c /= 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [a, b] = [luminance(text), luminance(background)].sort((x, y) => y - x);
  return {ratio: (a + 0.05) / (b + 0.05), text: text.map(Math.round),
          background: background.map(Math.round)};
}"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_cards_are_readable_in_both_themes_and_the_server_logs_no_deprecation(tmp_path, theme):
    """Card text against the card in Streamlit's light and dark themes (`--theme.base`): at
    least 4.5:1, the WCAG AA figure for body text. A screenshot of each for a person."""
    ARTIFACTS.mkdir(exist_ok=True)
    log = tmp_path / "server.log"
    with running_app({"TOOLKIT_DB": str(tmp_path / "e2e.duckdb")},
                     ("--theme.base", theme), log) as url, browser_page() as page:
        page.goto(url, wait_until="domcontentloaded")
        send(page, "krimiromaanid alla 20 euro")
        card = page.locator(".tk-card:not(.tk-skeleton)").first
        card.wait_for(timeout=60_000)
        page.get_by_text("First visible").first.wait_for(timeout=60_000)
        page.wait_for_timeout(500)
        measured = {part: card.locator(selector).first.evaluate(CONTRAST)
                    for part, selector in (("title", "b"), ("category", ".tk-meta"),
                                           ("price", ".tk-price"), ("cover", ".tk-name"))}
        page_background = page.get_by_test_id("stApp").evaluate(
            "(e) => getComputedStyle(e).backgroundColor")
        page.screenshot(path=str(ARTIFACTS / f"e2e-cards-{theme}.png"), full_page=True)
    (ARTIFACTS / f"e2e-cards-{theme}.json").write_text(json.dumps(
        {"theme": theme, "page_background": page_background, **measured}, indent=2))
    dark = sum(int(c) for c in page_background[4:-1].split(",")[:3]) < 3 * 128
    assert dark == (theme == "dark"), page_background  # the theme really changed
    for part, found in measured.items():
        assert found["ratio"] >= 4.5, (theme, part, found)
    server_log = log.read_text(errors="replace")
    assert "deprecat" not in server_log.lower() and "Please replace" not in server_log, server_log


def test_a_product_image_loads_lazily_without_a_referrer_and_only_over_http(tmp_path):
    """A catalog's `image_url`: an http(s) one is shown (the one request a card makes, with no
    referrer), any other kind of address is not put in the page."""
    tracker = Tracker()
    threading.Thread(target=tracker.serve_forever, daemon=True).start()
    host = f"127.0.0.1:{tracker.server_address[1]}"
    catalog = tmp_path / "images.csv"
    with catalog.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows([
            ("id", "title", "price", "product_type", "category", "description", "image_url"),
            ("P1", "Salajane aed", 12.5, "Raamatud", "Krimi", "aed", f"http://{host}/cover.png"),
            ("P2", "Salajane saar", 9.9, "Raamatud", "Krimi", "saar",
             f"javascript:fetch('http://{host}/js')"),
            ("P3", "Salajane linn", 14, "Raamatud", "Krimi", "linn", f"//{host}/relative.png")])
    db = tmp_path / "images.duckdb"
    subprocess.run([sys.executable, "-m", "toolkit", "catalog", "import", str(catalog),
                    "--db", str(db)], check=True, capture_output=True)
    with running_app({"TOOLKIT_DB": str(db)}) as url, browser_page() as page:
        page.goto(url, wait_until="domcontentloaded")
        send(page, "salajane krimi")
        page.locator(".tk-card:not(.tk-skeleton)").nth(2).wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        images = page.locator(".tk-card img").evaluate_all(
            "(all) => all.map((i) => [i.getAttribute('src'), i.alt, i.loading, "
            "i.referrerPolicy, i.width, i.height])")
        covers = page.locator(".tk-cover:not(.tk-photo)").count()
    tracker.shutdown()
    assert images == [[f"http://{host}/cover.png", "Salajane aed", "lazy", "no-referrer", 172,
                       110]]
    assert covers == 2  # the other two are drawn, not fetched
    assert tracker.hits == ["/cover.png"] and tracker.referers == [None]


class Tracker(ThreadingHTTPServer):
    """Records every request it gets: none may come."""

    hits: list[str]
    referers: list[str | None]

    def __init__(self) -> None:
        hits: list[str] = []
        referers: list[str | None] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                referers.append(self.headers.get("Referer"))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.hits, self.referers = hits, referers


def test_urls_planted_in_a_title_an_answer_or_a_message_load_nothing(tmp_path):
    """Catalog, model and shopper text reach the page as text: a Markdown image, a link, a bare
    URL and an <img> tag planted in a product title, in the model's answer and in the message
    make no request from the shopper's browser and no live link."""
    from fake_servers import Reply, fake_ollama

    tracker = Tracker()
    threading.Thread(target=tracker.serve_forever, daemon=True).start()
    host = f"127.0.0.1:{tracker.server_address[1]}"
    planted = (f"![x](http://{host}/md-image.png?q=secret) [click](http://{host}/md-link) "
               f"http://{host}/bare <img src='http://{host}/tag.png'>")
    catalog = tmp_path / "planted.csv"
    with catalog.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows([
            ("id", "title", "price", "product_type", "category", "description"),
            ("P1", f"Salajane aed {planted}", 12.5, "Raamatud", "Krimi", "aed"),
            ("P2", "Salajane saar", 9.9, "Raamatud", "Krimi", "saar"),
            ("P3", "Salajane linn", 14, "Raamatud", "Krimi", "linn")])
    db = tmp_path / "planted.duckdb"
    subprocess.run([sys.executable, "-m", "toolkit", "catalog", "import", str(catalog),
                    "--db", str(db)], check=True, capture_output=True)
    context = json.dumps({"intent": "product_search", "confidence": 0.9, "language": "et",
                          "category": "Krimi"})
    with fake_ollama(models=["qwen2:1.5b"]) as model:
        model.script(Reply(text=context, when="Extract the shopping context"),
                     Reply(text=f"Vaata seda: {planted} Head lugemist.", when="Write 2-4"),
                     Reply(text='{"is_sensible": true, "confidence": 0.9, "reason": "ok"}'))
        env = {"TOOLKIT_DB": str(db), "TOOLKIT_BACKEND": "ollama", "OLLAMA_HOST": model.url}
        with running_app(env) as url, browser_page() as page:
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(url, wait_until="domcontentloaded")
            send(page, "salajane krimi")
            page.locator(".tk-card:not(.tk-skeleton)").first.wait_for(timeout=60_000)
            page.get_by_text("Head lugemist").first.wait_for(timeout=60_000)
            send(page, f"ja see {planted}")
            page.get_by_text("ja see").first.wait_for(timeout=60_000)
            page.wait_for_timeout(1500)
            shown = page.locator("[data-testid='stChatMessage']").all_inner_texts()
            links = page.locator(f"a[href*='{host}']").count()
            images = page.locator(f"img[src*='{host}']").count()
    assert any(f"![x](http://{host}/md-image.png" in text for text in shown)  # shown as text
    assert any("Vaata seda" in text for text in shown)  # the model's answer was on the page
    assert links == 0 and images == 0
    assert not [r for r in requests if host in r]
    assert tracker.hits == []
    tracker.shutdown()


def test_the_syllabus_stays_when_it_is_downloaded(app_url):
    with browser_page() as page:
        page.goto(f"{app_url}/syllabus", wait_until="domcontentloaded")
        page.get_by_role("button", name="Write the syllabus").click()
        download = page.get_by_role("button", name="Download Markdown")
        download.wait_for(timeout=60_000)
        before = page.locator("[data-testid='stVerticalBlockBorderWrapper']").count()
        modules = page.get_by_text("Masinõpe algajatele: alused").count()
        with page.expect_download() as saved:
            download.click()
        page.wait_for_timeout(1500)
        assert saved.value.suggested_filename == "syllabus.md"
        assert page.get_by_text("Masinõpe algajatele: alused").count() == modules >= 1
        assert page.locator("[data-testid='stVerticalBlockBorderWrapper']").count() == before
        assert page.get_by_role("button", name="Download Markdown").count() == 1


# The assistant's replies (not its greeting, which is a chat message too).
ASSISTANT = ("[data-testid='stChatMessage']:has([data-testid='stChatMessageAvatarAssistant'])"
             ":not(:has(.tk-welcome))")
USER = "[data-testid='stChatMessage']:has([data-testid='stChatMessageAvatarUser'])"
SLOW = {"TOOLKIT_BACKEND": "simulated", "SIMULATED_PROFILE": "groq-llama3-8b",
        "SIMULATED_TIME_SCALE": "1.0"}  # an 8B model's pace: ~1 s before the model has read


def test_a_message_sent_mid_stream_is_queued_and_no_reply_is_lost(tmp_path):
    """The second message is sent while the first answer is still being written: both
    messages stay, each gets its own reply, in order, and the wait is visible throughout."""
    ARTIFACTS.mkdir(exist_ok=True)
    with running_app({"TOOLKIT_DB": str(tmp_path / "e2e.duckdb"), **SLOW}) as url, \
            browser_page() as page:
        page.goto(url, wait_until="domcontentloaded")
        send(page, "krimiromaanid alla 20 euro")
        page.locator(f"{ASSISTANT} .tk-status").first.wait_for(timeout=30_000)
        send(page, "näita veel")  # the first turn has not ended
        page.locator(f"{USER}").nth(1).wait_for(timeout=30_000)
        assert page.locator(f"{ASSISTANT}").count() == 2  # the second turn shows its wait
        page.wait_for_function(
            f"() => document.querySelectorAll(\"{ASSISTANT} summary\").length >= 2"
            " && [...document.querySelectorAll(\"summary\")].filter("
            "s => s.textContent.includes('First visible')).length >= 2", timeout=90_000)
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTIFACTS / "e2e-mid-stream.png"), full_page=True)
        users = page.locator(f"{USER} .tk-answer").all_inner_texts()
        replies = page.locator(ASSISTANT)
        cards = [replies.nth(i).locator(".tk-card:not(.tk-skeleton) b").all_inner_texts()
                 for i in range(replies.count())]
        answers = [replies.nth(i).locator(".tk-answer").inner_text() for i in range(2)]
    assert [u.strip() for u in users] == ["krimiromaanid alla 20 euro", "näita veel"]
    assert len(cards) == 2 and all(len(c) == 3 for c in cards)
    assert not set(cards[0]) & set(cards[1])  # "show more": the second reply is the next three
    assert all(a.strip() for a in answers)


def test_stop_ends_the_answer_visibly_and_new_conversation_starts_over(tmp_path):
    with running_app({"TOOLKIT_DB": str(tmp_path / "e2e.duckdb"), **SLOW}) as url, \
            browser_page() as page:
        page.goto(url, wait_until="domcontentloaded")
        send(page, "kingitus emale sünnipäevaks")
        page.locator(f"{ASSISTANT} .tk-status").first.wait_for(timeout=30_000)
        page.get_by_role("button", name="Stop").click()
        page.get_by_text("Stopped").first.wait_for(timeout=30_000)
        assert page.get_by_role("button", name="Stop").is_disabled()
        send(page, "lauamängud perele")  # the conversation goes on after a stop
        page.locator(f"{ASSISTANT}").nth(1).locator(
            ".tk-card:not(.tk-skeleton)").first.wait_for(timeout=60_000)
        page.get_by_role("button", name="New conversation").click()
        page.wait_for_function(
            f"() => document.querySelectorAll(\"{ASSISTANT}\").length === 0", timeout=30_000)
        send(page, "näita veel")  # nothing to show more of in a new conversation
        page.locator(f"{ASSISTANT} summary").first.wait_for(timeout=60_000)
        page.get_by_text("First visible").first.wait_for(timeout=60_000)
        assert page.locator(USER).count() == 1
