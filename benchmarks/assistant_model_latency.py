"""The assistant with a slow model: parallel against sequential under a SIMULATED 8B-on-Groq
latency profile (0.35 s to the first token, 180 tokens/s, +-10 %: about 0.9 s a context
extraction, as the reference measured). Simulated latency, real everything else.

    python benchmarks/assistant_model_latency.py [--turns 16] [--time-scale 1.0]

Each message runs once per mode per round, the modes alternating, in fresh conversations and in
follow-ups. Figures are measured on the caller's side and from the turn's own timing event:
TTFC, first answer text, products, the context span's end, and the total against the critical
path of the turn's own spans (the time during which at least one step was working). Saved to
benchmarks/results/assistant_model_latency.json.
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
from toolkit.core.settings import AssistantSettings, ModelSettings
from toolkit.llm import OfflineBackend, SimulatedBackend

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "assistant_model_latency.json"
PROFILE = "groq-llama3-8b"

SCRIPTS = [
    ["krimiromaanid alla 20 euro", "näita veel"],
    ["fantasy books for a 12 year old", "something cheaper"],
    ["Tammsaare raamatud", "tema teosed"],
    ["lauamängud perele 20-40€", "kõige odavam"],
]
REFERENCE = {"ttfc_ms": "< 100", "first_text_ms": "~1000", "products_ms": "~1400",
             "total_ms": "1300-1500", "sequential_total_ms": "5850"}


def covered_ms(spans) -> float:
    """The length of the union of the spans: the turn's critical path as its own spans tell it."""
    total, end = 0.0, 0.0
    for span in sorted(spans, key=lambda s: s.start_ms):
        start = max(span.start_ms, end)
        if span.end_ms > start:
            total += span.end_ms - start
            end = span.end_ms
    return total


async def measure(assistant: Assistant, message: str, conversation: str, mode: str) -> dict:
    started = time.perf_counter()
    first = first_text = None
    decision = timing = None
    async for event in assistant.stream(message, conversation, mode=mode):
        now = (time.perf_counter() - started) * 1000
        if first is None and event.type in USER_VISIBLE:
            first = now
        if first_text is None and event.type == "text":
            first_text = now
        if event.type == "intent":
            decision = event.decision
        if event.type == "timing":
            timing = event
    context_end = max((s.end_ms for s in timing.spans if s.name == "context"), default=None)
    return {
        "decision": decision, "ttfc_ms": first, "first_text_ms": first_text,
        "products_ms": timing.products_ms, "context_end_ms": context_end,
        "total_ms": (time.perf_counter() - started) * 1000,
        "turn_total_ms": timing.total_ms, "critical_path_ms": covered_ms(timing.spans),
        "speculation": timing.speculation,
    }


def stats(values: list[float]) -> dict:
    values = sorted(v for v in values if v is not None)
    return {"p50": round(statistics.median(values), 1),
            "p95": round(values[int(0.95 * (len(values) - 1))], 1), "n": len(values)}


async def run(rounds: int, time_scale: float) -> dict:
    samples: dict[str, list[dict]] = {"parallel": [], "sequential": []}
    with tempfile.TemporaryDirectory(prefix="toolkit-bench-") as tmp:
        backend = SimulatedBackend(OfflineBackend(), PROFILE, time_scale=time_scale, seed=7)
        assistant = await Assistant.aopen(Path(tmp) / "shop.duckdb", backend=backend,
                                          settings=AssistantSettings(),
                                          model_settings=ModelSettings())
        for round_no in range(rounds + 1):  # round 0 warms up
            for s, script in enumerate(SCRIPTS):
                modes = ("parallel", "sequential") if (round_no + s) % 2 else ("sequential", "parallel")
                for mode in modes:
                    for message in script:
                        row = await measure(assistant, message, f"b-{mode}-{round_no}-{s}", mode)
                        if round_no and row["decision"] == "search":
                            samples[mode].append(row)
        assistant.catalog.close()
    report: dict = {"profile": PROFILE, "simulated": True, "time_scale": time_scale,
                    "reference": REFERENCE}
    for mode, rows in samples.items():
        report[mode] = {key: stats([r[key] for r in rows]) for key in (
            "ttfc_ms", "first_text_ms", "products_ms", "context_end_ms", "total_ms",
            "critical_path_ms")}
        report[mode]["products_after_context_ms"] = stats(
            [r["products_ms"] - r["context_end_ms"] for r in rows])
        report[mode]["total_over_critical_path"] = stats(
            [r["turn_total_ms"] / r["critical_path_ms"] for r in rows])
        report[mode]["speculation_kept"] = sum(
            1 for r in rows if (r["speculation"] or "").startswith("kept"))
    report["sequential_over_parallel_p50"] = {
        key: round(report["sequential"][key]["p50"] / report["parallel"][key]["p50"], 2)
        for key in ("ttfc_ms", "first_text_ms", "products_ms", "total_ms")}
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--time-scale", type=float, default=1.0)
    args = parser.parse_args(argv)
    report = asyncio.run(run(args.rounds, args.time_scale))
    print(f"SIMULATED latency: profile {PROFILE}, time scale {args.time_scale:g}\n")
    print(f"{'p50 (p95), search turns':32}{'parallel':>20}{'sequential':>20}{'seq/par':>9}"
          f"{'reference':>14}")
    for key, ref in (("ttfc_ms", "ttfc_ms"), ("first_text_ms", "first_text_ms"),
                     ("products_ms", "products_ms"), ("total_ms", "total_ms")):
        p, s = report["parallel"][key], report["sequential"][key]
        ratio = report["sequential_over_parallel_p50"][key]
        print(f"{key:32}{p['p50']:>10.1f} ({p['p95']:>7.1f}){s['p50']:>10.1f} ({s['p95']:>7.1f})"
              f"{ratio:>8.1f}x{REFERENCE[ref]:>14}")
    for mode in ("parallel", "sequential"):
        r = report[mode]
        print(f"{mode:10} products - context end p50 {r['products_after_context_ms']['p50']:6.1f} ms; "
              f"total / critical path p50 {r['total_over_critical_path']['p50']:.3f}; "
              f"speculation kept {r['speculation_kept']}/{r['total_ms']['n']}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"saved {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
