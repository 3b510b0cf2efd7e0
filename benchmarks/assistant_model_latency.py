"""The assistant with a slow model that does not always agree with the rules: the parallel
orchestrator (early skeleton, speculative search and answer) against the sequential one, under
a SIMULATED 8B-on-Groq latency profile (0.35 s to the first token, 180 tokens/s, +-10 %: about
0.9 s a context extraction, as the reference measured). Simulated latency and simulated
disagreement; real everything else (rules, search, memory, answer templates).

    python benchmarks/assistant_model_latency.py [--rounds 4] [--time-scale 1.0] [--rates 0,0.2,0.5]

What the simulation assumes. The simulated model is the offline rules behind a delay, so at a
disagreement rate of 0 its context always equals the fast path's reading and the speculation
is always kept: the 0 % row is the parallel orchestrator's best case *by construction*, not a
measurement of a real model. At a rate r, that share of the context extractions is read
differently (toolkit.assistant.disagreement: another category of the same product type,
another budget, or a conversational reading of a search), the kind and the messages drawn from
a seed per round and the message (reproducible). A real model's disagreements are neither
uniform nor independent of the message; the rates bracket what it might do.

Each round runs every message of the scripts (fresh conversations, then follow-ups) in both
modes, the order of the modes alternating by script, with a new seed; one warm-up pass first.
All turns count (a turn the model reads as conversational has no products: products-visible is
over the turns that showed products, its n given). Caller-side figures: time to the first
visible event (TTFC), to the first products event, to `done`. From each turn's timing event:
what became of the speculation, and the critical-path ratios (toolkit.core.timing): total /
critical path (the orchestrator's own overhead) and total / sum of the spans (what running steps
side by side saved; 1.0 for one after another). p50 and p95 are `statistics.quantiles`
(exclusive method, n=20). Saved to benchmarks/results/assistant_model_latency.json.
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
from typing import Any

from toolkit.assistant import Assistant
from toolkit.assistant.events import USER_VISIBLE
from toolkit.core.settings import AssistantSettings, ModelSettings
from toolkit.llm import OfflineBackend, Selection, SimulatedBackend
from toolkit.shop.catalog import Catalog

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "assistant_model_latency.json"
PROFILE = "groq-llama3-8b"
MODES = ("parallel", "sequential")
OUTCOMES = ("kept", "replaced", "cancelled", "none")  # none: no speculative search was started

SCRIPTS = [
    ["krimiromaanid alla 20 euro", "näita veel"],
    ["fantasy books for a 12 year old", "something cheaper"],
    ["Tammsaare raamatud", "tema teosed"],
    ["lauamängud perele 20-40€", "kõige odavam"],
    ["luuletused emale sünnipäevaks", "midagi odavamat"],
    ["pusled lastele", "näita veel"],
]
REFERENCE = {"ttfc_ms": "< 100", "products_ms": "~1400", "total_ms": "1300-1500",
             "sequential_total_ms": "5850"}


async def measure(assistant: Assistant, message: str, conversation: str, mode: str) -> dict[str, Any]:
    started = time.perf_counter()
    first = products = None
    intent = timing = None
    async for event in assistant.stream(message, conversation, mode=mode):  # type: ignore[arg-type]
        now = (time.perf_counter() - started) * 1000
        if first is None and event.type in USER_VISIBLE:
            first = now
        if products is None and event.type == "products":
            products = now
        if event.type == "intent":
            intent = event
        if event.type == "timing":
            timing = event
    assert intent is not None and timing is not None
    return {
        "decision": intent.decision, "speculation": intent.speculation or "none",
        "ttfc_ms": first, "products_ms": products,
        "total_ms": (time.perf_counter() - started) * 1000,
        "overhead_ratio": timing.overhead_ratio, "parallel_ratio": timing.parallel_ratio,
        "context_calls": sum(1 for c in timing.calls if c.task == "gift_context"),
    }


def stats(values: list[float | None]) -> dict[str, Any]:
    """p50 and p95 by `statistics.quantiles` (exclusive, n=20), and n."""
    kept = sorted(v for v in values if v is not None)
    if not kept:
        return {"p50": None, "p95": None, "n": 0}
    if len(kept) == 1:
        return {"p50": round(kept[0], 3), "p95": round(kept[0], 3), "n": 1}
    cuts = statistics.quantiles(kept, n=20)
    return {"p50": round(statistics.median(kept), 3), "p95": round(cuts[18], 3), "n": len(kept)}


def open_assistant(catalog: Catalog, rate: float, seed: int, time_scale: float) -> tuple[Assistant, SimulatedBackend]:
    offline = OfflineBackend()
    backend = SimulatedBackend(offline, PROFILE, time_scale=time_scale, seed=seed,
                               disagreement=rate)
    assistant = Assistant(catalog, settings=AssistantSettings(persist_memory=False),
                          model_settings=ModelSettings(),
                          selection=Selection(backend, offline, "benchmark (SIMULATED)"))
    return assistant, backend


async def run_rate(catalog: Catalog, rate: float, rounds: int, time_scale: float) -> dict[str, Any]:
    rows: dict[str, list[dict[str, Any]]] = {mode: [] for mode in MODES}
    misread = 0
    for round_no in range(1, rounds + 1):
        assistant, backend = open_assistant(catalog, rate, seed=round_no, time_scale=time_scale)
        for s, script in enumerate(SCRIPTS):
            modes = MODES if (round_no + s) % 2 else tuple(reversed(MODES))
            for mode in modes:
                for message in script:
                    rows[mode].append(await measure(
                        assistant, message, f"r{rate}-{round_no}-{s}-{mode}", mode))
        misread += backend.misread_calls
        assistant.close()
    calls = sum(r["context_calls"] for mode in MODES for r in rows[mode])
    report: dict[str, Any] = {"rate": rate, "context_calls": calls,
                              "context_calls_misread": misread}
    for mode, measured in rows.items():
        report[mode] = {
            "turns": len(measured),
            "speculation": {o: sum(1 for r in measured if r["speculation"] == o) for o in OUTCOMES},
            "decisions": {d: sum(1 for r in measured if r["decision"] == d)
                          for d in sorted({r["decision"] for r in measured})},
            **{key: stats([r[key] for r in measured]) for key in (
                "ttfc_ms", "products_ms", "total_ms", "overhead_ratio", "parallel_ratio")},
            # What each outcome of the speculation costs (parallel; sequential has none).
            "by_speculation": {o: {key: stats([r[key] for r in measured if r["speculation"] == o])
                                   for key in ("ttfc_ms", "products_ms", "total_ms")}
                               for o in OUTCOMES},
        }
    report["sequential_over_parallel_p50"] = {
        key: round(report["sequential"][key]["p50"] / report["parallel"][key]["p50"], 2)
        for key in ("ttfc_ms", "products_ms", "total_ms")
        if report["parallel"][key]["p50"] and report["sequential"][key]["p50"]}
    return report


async def run(rates: list[float], rounds: int, time_scale: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="toolkit-bench-") as tmp:
        catalog = Catalog.open(Path(tmp) / "shop.duckdb")
        try:
            warm, _ = open_assistant(catalog, 0.0, seed=0, time_scale=time_scale)
            for mode in MODES:
                for s, script in enumerate(SCRIPTS):
                    for message in script:
                        await measure(warm, message, f"warm-{mode}-{s}", mode)
            warm.close()
            by_rate = [await run_rate(catalog, rate, rounds, time_scale) for rate in rates]
        finally:
            catalog.close()
    messages = sum(len(s) for s in SCRIPTS)
    return {"profile": PROFILE, "simulated": True, "time_scale": time_scale, "rounds": rounds,
            "messages_per_round": messages, "turns_per_mode_and_rate": messages * rounds,
            "reference": REFERENCE, "rates": by_rate}


def _ms(figure: dict[str, Any]) -> str:
    if not figure["n"]:
        return "-"
    return f"{figure['p50']:.0f} / {figure['p95']:.0f}"


def _p50(figure: dict[str, Any]) -> str:
    return "-" if not figure["n"] else f"{figure['p50']:.0f} ({figure['n']})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument("--rates", default="0,0.2,0.5",
                        help="disagreement rates, comma-separated shares")
    args = parser.parse_args(argv)
    rates = [float(r) for r in args.rates.split(",")]
    report = asyncio.run(run(rates, args.rounds, args.time_scale))
    n = report["turns_per_mode_and_rate"]
    print(f"SIMULATED latency and disagreement: profile {PROFILE}, time scale "
          f"{args.time_scale:g}, {n} turns per mode and rate "
          f"({report['messages_per_round']} messages x {args.rounds} rounds)\n")
    print(f"{'rate':>5} {'mode':11}{'kept':>5}{'repl':>5}{'canc':>5}{'none':>5}"
          f"{'TTFC p50/p95 ms':>18}{'products p50/p95 (n)':>24}{'total p50/p95 ms':>19}"
          f"{'tot/crit':>9}{'tot/sum':>8}")
    for row in report["rates"]:
        for mode in MODES:
            r = row[mode]
            counts = "".join(f"{r['speculation'][o]:>5}" for o in OUTCOMES)
            products = f"{_ms(r['products_ms'])} ({r['products_ms']['n']})"
            print(f"{row['rate']:>5.0%} {mode:11}{counts}{_ms(r['ttfc_ms']):>18}{products:>24}"
                  f"{_ms(r['total_ms']):>19}{r['overhead_ratio']['p50']:>9.3f}"
                  f"{r['parallel_ratio']['p50']:>8.3f}")
        outcomes = row["parallel"]["by_speculation"]
        print("      parallel by outcome, p50 ms (n): " + " · ".join(
            f"{o}: products {_p50(outcomes[o]['products_ms'])}, total "
            f"{_p50(outcomes[o]['total_ms'])}" for o in OUTCOMES if outcomes[o]["total_ms"]["n"]))
        print(f"      context extractions misread: {row['context_calls_misread']} of "
              f"{row['context_calls']}; "
              f"sequential / parallel p50: {row['sequential_over_parallel_p50']}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"saved {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
