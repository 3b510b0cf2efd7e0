"""Syllabus generation, sequential against parallel at concurrency 1, 2, 3, 4 and 8, under a
SIMULATED 7B-on-Ollama latency profile (about 18 s a call, as the reference measured; the
reference's sequential run of 8 modules took about 170 s), time-scaled to run in a minute.

    python benchmarks/syllabus_latency.py [--time-scale 0.05] [--repeats 2]

For each configuration: the wall time, the ideal (outline + ceil(8 / k) x module, from the
mean outline and module call durations measured in the same run), how close the run came to it,
and the speed-up over sequential against the ideal speed-up. Times are reported as measured and
converted back to the profile's scale (divided by the time scale), both labelled.

The simulation assumes the server runs k requests at full speed each, as a GPU server with
OLLAMA_NUM_PARALLEL >= k roughly does; a CPU-bound Ollama serving one request at a time would
gain little from parallel module calls. Saved to benchmarks/results/syllabus_latency.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import statistics
import sys
import time
from pathlib import Path

from toolkit.llm import ModelClient, OfflineBackend, SimulatedBackend
from toolkit.syllabus import SyllabusGenerator, SyllabusRequest

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "syllabus_latency.json"
MODULES = 8
CONFIGS = [("sequential", 1), ("parallel", 1), ("parallel", 2), ("parallel", 3), ("parallel", 4),
           ("parallel", 8)]


async def one(mode: str, k: int, scale: float, seed: int) -> dict:
    offline = OfflineBackend()
    backend = SimulatedBackend(offline, "ollama-7b", time_scale=scale, seed=seed)
    generator = SyllabusGenerator(ModelClient(backend, timeout_s=600), offline)
    started = time.perf_counter()
    handle = generator.run(SyllabusRequest("data science", MODULES, mode, k))
    syllabus = await handle.result()
    wall = (time.perf_counter() - started) * 1000
    assert syllabus is not None and len(syllabus.modules) == MODULES
    calls = next(e for e in handle.events if e.type == "timing").calls
    outline = [c["duration_ms"] for c in calls if c["task"] == "syllabus_outline"]
    modules = [c["duration_ms"] for c in calls if c["task"] == "syllabus_module"]
    return {"wall_ms": wall, "outline_ms": statistics.mean(outline),
            "module_ms": statistics.mean(modules)}


async def run(scale: float, repeats: int) -> dict:
    rows = []
    for repeat in range(repeats):
        for i, (mode, k) in enumerate(CONFIGS):
            measured = await one(mode, k, scale, seed=repeat * 100 + i)
            rows.append({"mode": mode, "k": k, **measured})
    table = []
    base = statistics.median(r["wall_ms"] for r in rows if r["mode"] == "sequential")
    for mode, k in CONFIGS:
        mine = [r for r in rows if r["mode"] == mode and r["k"] == k]
        wall = statistics.median(r["wall_ms"] for r in mine)
        outline = statistics.mean(r["outline_ms"] for r in mine)
        module = statistics.mean(r["module_ms"] for r in mine)
        rounds = MODULES if mode == "sequential" else math.ceil(MODULES / k)
        ideal = outline + rounds * module
        ideal_speedup = (outline + MODULES * module) / ideal
        table.append({
            "mode": mode, "concurrency": k, "wall_ms": round(wall, 1),
            "wall_profile_s": round(wall / scale / 1000, 1), "ideal_ms": round(ideal, 1),
            "over_ideal": round(wall / ideal - 1, 4), "speedup": round(base / wall, 3),
            "ideal_speedup": round(ideal_speedup, 3),
            "speedup_share_of_ideal": round((base / wall) / ideal_speedup, 3),
        })
    return {"profile": "ollama-7b", "simulated": True, "time_scale": scale, "modules": MODULES,
            "repeats": repeats, "table": table}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-scale", type=float, default=0.05)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args(argv)
    report = asyncio.run(run(args.time_scale, args.repeats))
    print(f"SIMULATED latency: ollama-7b, {MODULES} modules, time scale {args.time_scale:g} "
          f"(profile-scale seconds = measured / {args.time_scale:g})\n")
    print(f"{'mode':11}{'k':>3}{'wall ms':>10}{'profile s':>11}{'ideal ms':>10}{'vs ideal':>10}"
          f"{'speed-up':>10}{'ideal':>8}{'share':>8}")
    for row in report["table"]:
        print(f"{row['mode']:11}{row['concurrency']:>3}{row['wall_ms']:>10.0f}"
              f"{row['wall_profile_s']:>11.1f}{row['ideal_ms']:>10.0f}{row['over_ideal']:>+10.1%}"
              f"{row['speedup']:>9.2f}x{row['ideal_speedup']:>7.2f}x{row['speedup_share_of_ideal']:>8.2f}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nsaved {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
