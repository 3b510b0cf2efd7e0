"""End to end in a real browser: the Streamlit app on a free localhost port, driven by
Playwright in headless Chromium (Debian's, since Playwright's own download does not work here).
A screenshot is saved to test-artifacts/ for a person to look at."""

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
def running_app(env: dict[str, str]) -> Iterator[str]:
    """The app on a free port with `env` added to the environment; yields its URL."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
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
        page.get_by_test_id("stVegaLiteChart").first.wait_for(timeout=60_000)
        assert page.locator(".tk-card:not(.tk-skeleton)").count() == 3
        assert "Krimi" in page.locator(".tk-cards").first.inner_text()
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTIFACTS / "e2e-chat.png"), full_page=True)
    assert (ARTIFACTS / "e2e-chat.png").stat().st_size > 10_000


class Tracker(ThreadingHTTPServer):
    """Records every request it gets: none may come."""

    hits: list[str]

    def __init__(self) -> None:
        hits: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.hits = hits


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
                     Reply(text=f"Vaata seda: {planted} Head lugemist.", when="Write 3-6"),
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
