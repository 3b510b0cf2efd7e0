"""End to end in a real browser: the Streamlit app on a free localhost port, driven by
Playwright in headless Chromium (Debian's, since Playwright's own download does not work here).
A screenshot is saved to test-artifacts/ for a person to look at."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

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


@pytest.fixture
def app_url(tmp_path):
    port = free_port()
    env = {**os.environ, "TOOLKIT_DB": str(tmp_path / "e2e.duckdb")}
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
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


def test_chat_in_a_real_browser(app_url):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"])
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        try:
            page.goto(app_url, wait_until="domcontentloaded")
            box = page.get_by_test_id("stChatInputTextArea")
            box.wait_for(timeout=60_000)
            box.fill("krimiromaanid alla 20 euro")
            box.press("Enter")
            page.locator(".tk-card:not(.tk-skeleton)").first.wait_for(timeout=60_000)
            page.get_by_test_id("stVegaLiteChart").first.wait_for(timeout=60_000)
            assert page.locator(".tk-card:not(.tk-skeleton)").count() == 3
            assert "Krimi" in page.locator(".tk-cards").first.inner_text()
            page.wait_for_timeout(500)
            page.screenshot(path=str(ARTIFACTS / "e2e-chat.png"), full_page=True)
        finally:
            browser.close()
    assert (ARTIFACTS / "e2e-chat.png").stat().st_size > 10_000
