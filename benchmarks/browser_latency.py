"""Latency where the shopper is: the Streamlit app in headless Chromium, measured in the page.

    python benchmarks/browser_latency.py [--sessions 4] [--turns 6] [--backends offline simulated]
        [--time-scale 1.0] [--out FILE]

For each backend the app is started as a user would start it (`streamlit run streamlit_app.py`
with `TOOLKIT_BACKEND` set; the simulated one with the 8B profile at `--time-scale` of real
time, 1.0 by default), on a copy of the default catalog. Each session is a new browser context
(a new Streamlit session, so its first turn is a first turn) that sends `--turns` messages,
one after the other. In the page, a key listener takes the time of the Enter key and a
MutationObserver the time each of these first appears in the new assistant message, on the
page's own clock (`performance.now()`), then waits for the next animation frame so the figure
includes the frame that paints it:

- first sign: a status line or the skeleton (the wait made visible);
- first card: a product card that is not a skeleton (search turns only);
- first text: the first character of the answer;
- end: the turn drawn whole (its timing line, suggestions and the Stop button switched off).

Beside them, the in-process TTFC the app's timing line shows (measured in the assistant, from
message received). Percentiles with `statistics.quantiles` (n stated). Saved to
benchmarks/results/browser_latency.json. Needs Chromium (`apt-get install chromium`) and the
`playwright` package (the dev extra); Playwright's own browser download is not used.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "browser_latency.json"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# Conversations a shopper might have: a search, follow-ups from memory, a question, small talk.
CONVERSATIONS = [
    ["krimiromaanid alla 20 euro", "näita veel", "midagi odavamat", "tema teosed",
     "aitäh", "lauamängud perele"],
    ["a birthday gift for my mother under 30 euros", "show me more", "the cheapest",
     "fantasy books for a 12 year old", "something cheaper", "thanks!"],
    ["kingitus isale jõuludeks", "näita veel", "luuleraamatud", "kõige odavam",
     "küünlad", "tere"],
    ["board games for the family", "show me more", "crime novels under €15",
     "more by this author", "a mug for a colleague", "something cheaper"],
]

# Runs in the page before Streamlit's own scripts: the clock starts at the Enter key.
PROBE = """
(() => {
  const t = window.__tk = {enter: null, base: 0, marks: {}};
  const assistants = () => [...document.querySelectorAll('[data-testid="stChatMessage"]')]
    .filter((m) => m.querySelector('[data-testid="stChatMessageAvatarAssistant"]'));
  const mark = (name) => {
    if (t.enter === null || name in t.marks) return;
    t.marks[name] = -1;
    requestAnimationFrame(() => { t.marks[name] = performance.now() - t.enter; });
  };
  const look = () => {
    if (t.enter === null) return;
    const all = assistants();
    if (all.length <= t.base) return;
    const turn = all[all.length - 1];
    if (turn.querySelector('.tk-status, .tk-skeleton')) mark('first_sign');
    if (turn.querySelector('.tk-card:not(.tk-skeleton)')) { mark('first_sign'); mark('first_card'); }
    const answer = turn.querySelector('.tk-answer');
    if (answer && answer.textContent.trim()) { mark('first_sign'); mark('first_text'); }
    const line = [...turn.querySelectorAll('summary, [data-testid="stExpander"]')]
      .map((e) => e.textContent).find((s) => s.includes('First visible'));
    if (line) { t.marks.timing_line = line; mark('end'); }
  };
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && e.target.matches('[data-testid="stChatInputTextArea"]')) {
      t.enter = performance.now(); t.base = assistants().length; t.marks = {};
    }
  }, true);
  new MutationObserver(look).observe(document, {subtree: true, childList: true,
                                                characterData: true, attributes: true});
})();
"""

FIGURES = ("first_sign", "first_card", "first_text", "end")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_app(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true"],
        cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return server, url
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("the app did not become healthy within 90 s")


def in_process_ttfc(line: str) -> float | None:
    """The app's own figure, from its timing line ("First visible 3.4 ms · ...")."""
    found = re.search(r"First visible ([\d.,]+) (ms|s)", line)
    if not found:
        return None
    value = float(found.group(1).replace(",", ""))
    return value * 1000 if found.group(2) == "s" else value


def run_session(browser: Any, url: str, messages: list[str], turn_timeout_s: float) -> list[dict]:
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.add_init_script(PROBE)
    page = context.new_page()
    page.goto(url, wait_until="domcontentloaded")
    box = page.get_by_test_id("stChatInputTextArea")
    box.wait_for(timeout=90_000)
    page.wait_for_timeout(500)  # the first script run has drawn the page
    turns = []
    for number, message in enumerate(messages):
        box.fill(message)
        box.press("Enter")
        page.wait_for_function("() => window.__tk.marks.end > 0",
                               timeout=turn_timeout_s * 1000)
        marks = page.evaluate("() => window.__tk.marks")
        turns.append({"message": message, "first_turn": number == 0,
                      **{f: (marks.get(f) if (marks.get(f) or -1) > 0 else None) for f in FIGURES},
                      "in_process_ttfc_ms": in_process_ttfc(marks.get("timing_line", ""))})
        page.wait_for_timeout(300)  # the final rerun has settled
    context.close()
    return turns


def summary(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    if len(values) == 1:
        return {"n": 1, "p50": values[0], "p95": values[0]}
    cuts = statistics.quantiles(values, n=20, method="inclusive")
    return {"n": len(values), "p50": round(statistics.median(values), 1),
            "p95": round(cuts[18], 1), "max": round(max(values), 1)}


def cell(s: dict[str, Any]) -> str:
    return f"{s['p50']:.0f} / {s['p95']:.0f} ({s['n']})" if s["n"] else "–"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=4)
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--backends", nargs="+", default=["offline", "simulated"])
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if CHROMIUM is None:
        raise SystemExit("Chromium is not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    results: dict[str, Any] = {"sessions": args.sessions, "turns_per_session": args.turns,
                               "time_scale": args.time_scale, "backends": {}}
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        for backend in args.backends:
            db = Path(folder) / f"{backend}.duckdb"
            env = {"TOOLKIT_DB": str(db), "TOOLKIT_BACKEND": backend,
                   "SIMULATED_PROFILE": "groq-llama3-8b",
                   "SIMULATED_TIME_SCALE": str(args.time_scale)}
            server, url = start_app(env)
            try:
                turns: list[dict] = []
                for session in range(args.sessions):
                    script = CONVERSATIONS[session % len(CONVERSATIONS)][:args.turns]
                    turns += run_session(browser, url, script, 120)
                    print(f"{backend}: session {session + 1}/{args.sessions} done", flush=True)
            finally:
                server.terminate()
                server.wait(timeout=10)
            label = backend if backend != "simulated" else \
                f"simulated groq-llama3-8b at {args.time_scale:g}x real time (SIMULATED)"
            table = {f: summary([t[f] for t in turns if t[f] is not None]) for f in FIGURES}
            table["first_sign_first_turns"] = summary(
                [t["first_sign"] for t in turns if t["first_turn"] and t["first_sign"]])
            table["in_process_ttfc_ms"] = summary(
                [t["in_process_ttfc_ms"] for t in turns if t["in_process_ttfc_ms"] is not None])
            results["backends"][backend] = {"label": label, "summary": table, "turns": turns}
        browser.close()

    print(f"\nkey press -> ..., ms on the page's clock (p50 / p95, n): "
          f"{args.sessions} sessions x {args.turns} turns per backend")
    print(f"{'backend':<12}" + "".join(f"{h:>20}" for h in (
        "first sign", "first turns' sign", "first card", "first text", "end",
        "in-process TTFC")))
    for backend, found in results["backends"].items():
        cells = [cell(found["summary"][name]) for name in (
            "first_sign", "first_sign_first_turns", "first_card", "first_text", "end",
            "in_process_ttfc_ms")]
        print(f"{backend:<12}" + "".join(f"{c:>20}" for c in cells))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"\nsaved to {args.out}")


if __name__ == "__main__":
    main()
