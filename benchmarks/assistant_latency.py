"""Offline assistant latency on the default catalog: parallel against sequential, side by side.

    python benchmarks/assistant_latency.py [--rounds 30]

Warm (the catalog open, one warm-up pass), offline backend, memory persisted in DuckDB as in
real use. Each conversation script runs once per mode per round, the two modes alternating, so
the machine's noise falls on both. Measured from the caller's side: time to the first
user-visible event (TTFC: skeleton, products or text) and to `done`. Saved to
benchmarks/results/assistant_latency.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from toolkit.assistant import Assistant
from toolkit.assistant.events import USER_VISIBLE
from toolkit.core.settings import AssistantSettings

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "assistant_latency.json"

SCRIPTS = [
    ["krimiromaanid alla 20 euro", "näita veel", "odavamaid", "Kas see sobib 10-aastasele?"],
    ["kingitus emale sünnipäevaks", "kõige odavam", "aitäh"],
    ["fantasy books for a 12 year old", "show me more", "more by this author"],
    ["Tere!", "lauamängud perele 20-40€", "alla 15 euro"],
    ["Tammsaare raamatud", "tema teosed", "näita veel"],
    ["a birthday gift for my colleague under €25", "something cheaper"],
    ["Otsin kingitust", "küünlad", "asdfghjkl"],
]


def _stats(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"p50": round(statistics.median(ordered), 3),
            "p95": round(ordered[int(0.95 * (len(ordered) - 1))], 3), "n": len(ordered)}


async def _turn(assistant: Assistant, message: str, conversation: str, mode: str) -> dict:
    started = time.perf_counter()
    first = None
    decision = None
    async for event in assistant.stream(message, conversation, mode=mode):
        if first is None and event.type in USER_VISIBLE:
            first = (time.perf_counter() - started) * 1000
        if event.type == "intent":
            decision = event.decision
    total = (time.perf_counter() - started) * 1000
    return {"decision": decision, "ttfc_ms": first, "total_ms": total}


async def run(rounds: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="toolkit-bench-") as tmp:
        assistant = Assistant.open(Path(tmp) / "shop.duckdb", settings=AssistantSettings())
        samples: dict[str, list[dict]] = {"parallel": [], "sequential": []}
        for round_no in range(rounds + 1):  # round 0 warms up and is not counted
            for s, script in enumerate(SCRIPTS):
                order = ("parallel", "sequential") if (round_no + s) % 2 else ("sequential", "parallel")
                for mode in order:
                    conversation = f"bench-{mode}-{round_no}-{s}"
                    for message in script:
                        measured = await _turn(assistant, message, conversation, mode)
                        if round_no:
                            samples[mode].append(measured)
        assistant.close()
    report = {}
    for mode, rows in samples.items():
        search = [r for r in rows if r["decision"] == "search"]
        report[mode] = {
            "search_turn_ttfc_ms": _stats([r["ttfc_ms"] for r in search]),
            "search_turn_total_ms": _stats([r["total_ms"] for r in search]),
            "all_turns_ttfc_ms": _stats([r["ttfc_ms"] for r in rows if r["ttfc_ms"] is not None]),
            "all_turns_total_ms": _stats([r["total_ms"] for r in rows]),
        }
    report["ratio_sequential_over_parallel"] = {
        key: round(report["sequential"][key]["p50"] / report["parallel"][key]["p50"], 2)
        for key in report["parallel"]}
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args(argv)
    report = asyncio.run(run(args.rounds))
    print(f"{'':26}{'parallel p50 / p95':>24}{'sequential p50 / p95':>26}{'seq/par':>9}")
    for key in ("search_turn_ttfc_ms", "search_turn_total_ms", "all_turns_ttfc_ms",
                "all_turns_total_ms"):
        p, s = report["parallel"][key], report["sequential"][key]
        print(f"{key:26}{p['p50']:>12.2f} / {p['p95']:>7.2f} ms{s['p50']:>14.2f} / {s['p95']:>7.2f} ms"
              f"{report['ratio_sequential_over_parallel'][key]:>8.2f}x")
    print(f"(n = {report['parallel']['search_turn_total_ms']['n']} search turns per mode)")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"saved {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
