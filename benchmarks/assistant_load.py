"""Many conversations at once on one assistant: turns per second, turn latency and resident
memory at 1, 10, 100 and 1,000 concurrent conversations, offline and with the SIMULATED model.

    python benchmarks/assistant_load.py [--levels 1 10 100 1000] [--time-scale 1.0]
        [--backends offline simulated] [--state postgresql://...] [--tag NAME] [--out FILE]

Each conversation runs three turns in order ("krimiromaanid alla 20 euro", "näita veel",
"midagi odavamat" and the like); all conversations of a level start together on one event loop.
Latency is the caller's: from asking for the turn to its `done`. A refused turn (the admission
bound, MAX_TURNS_IN_FLIGHT, default 128) counts as refused, not as served; the 1,000 level also
runs with the bound lifted, to show what the bound protects. The catalog is a copy of the
default one; memory goes to its SQLite state file, as on a user's machine, or to `--state`
(benchmarks/replicas_load.py runs two of these processes on one PostgreSQL). Resident memory is
the process's (VmRSS) before and after each level. Saved to benchmarks/results/assistant_load.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from toolkit.assistant import Assistant
from toolkit.core.settings import AssistantSettings, ModelSettings
from toolkit.llm import OfflineBackend, Selection, SimulatedBackend
from toolkit.shop.catalog import Catalog

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "assistant_load.json"
SCRIPTS = [
    ["krimiromaanid alla 20 euro", "näita veel", "midagi odavamat"],
    ["fantasy books for a 12 year old", "show me more", "something cheaper"],
    ["lauamängud perele", "näita veel", "kõige odavam"],
    ["a gift for my mother under 30 euros", "show me more", "the cheapest"],
]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def conversation(assistant: Assistant, name: str, script: list[str],
                       out: list[dict]) -> None:
    for message in script:
        started = time.perf_counter()
        result = await assistant.stream(message, name)
        codes = [e.code for e in result.events if e.type == "error"]
        out.append({"ms": (time.perf_counter() - started) * 1000,
                    "busy": "busy" in codes, "failed": bool(codes) and "busy" not in codes,
                    "products": bool(result.products)})
        if "busy" in codes:
            return  # a refused shopper comes back later; not within this run


async def level(assistant: Assistant, concurrency: int, tag: str) -> dict:
    rss_before = rss_mb()
    turns: list[dict] = []
    started = time.perf_counter()
    await asyncio.gather(*(conversation(assistant, f"{tag}-{concurrency}-{i}",
                                        SCRIPTS[i % len(SCRIPTS)], turns)
                           for i in range(concurrency)))
    wall = time.perf_counter() - started
    served = [t for t in turns if not t["busy"]]
    latencies = [t["ms"] for t in served]
    return {"concurrency": concurrency, "turns": len(turns), "served": len(served),
            "refused_busy": sum(t["busy"] for t in turns),
            "failed": sum(t["failed"] for t in turns), "wall_s": round(wall, 2),
            "turns_per_s": round(len(served) / wall, 1),
            "p50_ms": round(pct(latencies, 0.5), 1), "p95_ms": round(pct(latencies, 0.95), 1),
            "max_ms": round(max(latencies, default=float("nan")), 1),
            "rss_before_mb": round(rss_before, 1), "rss_after_mb": round(rss_mb(), 1)}


def assistant_for(catalog: Catalog, backend: str, time_scale: float,
                  max_in_flight: int, state: str | None) -> Assistant:
    settings = AssistantSettings(max_turns_in_flight=max_in_flight, state_url=state)
    if backend == "offline":
        return Assistant(catalog, settings=settings)
    offline = OfflineBackend()
    simulated = SimulatedBackend(offline, "groq-llama3-8b", time_scale=time_scale, seed=7)
    return Assistant(catalog, settings=settings, model_settings=ModelSettings(),
                     selection=Selection(simulated, offline, "benchmark"))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 10, 100, 1000])
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument("--backends", nargs="+", default=["offline", "simulated"],
                        choices=["offline", "simulated"])
    parser.add_argument("--state", default=None, help="state store URL (default: SQLite beside)")
    parser.add_argument("--tag", default="run", help="prefix of this process's conversation ids")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--no-unbounded", action="store_true",
                        help="skip the run without an admission bound")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        with Catalog.open(Path(tmp) / "seed.duckdb"):
            pass
        for backend in args.backends:
            db = Path(tmp) / f"{backend}.duckdb"
            shutil.copy(Path(tmp) / "seed.duckdb", db)
            with Catalog.open(db) as catalog:
                runs = [(c, AssistantSettings().max_turns_in_flight) for c in args.levels]
                if not args.no_unbounded:  # the same load with no admission bound
                    runs += [(max(args.levels), 100_000)]
                for concurrency, bound in runs:
                    assistant = assistant_for(catalog, backend, args.time_scale, bound,
                                              args.state)
                    await assistant.stream("tere", f"{args.tag}-warm-up")  # first-use costs out
                    row = await level(assistant, concurrency, f"{args.tag}-{backend}-{bound}")
                    row.update(backend=backend if backend == "offline" else
                               f"simulated groq-llama3-8b x{args.time_scale:g} (SIMULATED)",
                               admission=bound if bound < 100_000 else "none")
                    rows.append(row)
                    print(json.dumps(row), flush=True)
                    assistant.close()
    print()
    print(f"{'backend':44} {'conc':>5} {'bound':>6} {'served':>7} {'busy':>5} {'fail':>5} "
          f"{'turns/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'RSS MB':>13}")
    for r in rows:
        print(f"{r['backend']:44} {r['concurrency']:5} {r['admission']!s:>6} {r['served']:7} "
              f"{r['refused_busy']:5} {r['failed']:5} {r['turns_per_s']:8} {r['p50_ms']:8} "
              f"{r['p95_ms']:8} {r['rss_before_mb']:>6}->{r['rss_after_mb']:<6}")
    args.out.write_text(json.dumps({"python": sys.version.split()[0], "state": args.state
                                    and "postgresql" or "sqlite", "rows": rows,
                                    "median_p50_ms": statistics.median(r["p50_ms"] for r in rows)},
                                   indent=2))
    print(f"\nsaved {args.out}")


if __name__ == "__main__":
    asyncio.run(main())
