"""Cold start: the whole-process wall time of CLI commands, against the floor of any Python
program that uses DuckDB and pydantic, measured side by side in one run.

    python benchmarks/cold_start.py [--runs 15]

Each round runs, in turn, the floor (`python -c "import duckdb, pydantic"`), the libraries the
offline path needs, `python -m toolkit chat "hello" --backend offline` and `python -m toolkit
search "krimiromaanid"`, on a catalog
file made beforehand (so no run pays for the first import of the default catalog). The ratio
of medians is what the user feels at the shell, on this machine, whatever else it is doing.
Results go to benchmarks/results/cold_start.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "cold_start.json"

COMMANDS = {
    "floor: import duckdb, pydantic": [sys.executable, "-c", "import duckdb, pydantic"],
    # What the offline path cannot do without: pydantic's model machinery (`import pydantic`
    # alone is lazy), asyncio and the Snowball stemmers (PyStemmer). Shown for context, not as the floor.
    "libraries: + BaseModel, asyncio, snowball": [
        sys.executable, "-c",
        "import duckdb, pydantic, asyncio, Stemmer; from pydantic import BaseModel"],
    "toolkit chat hello (offline)": [sys.executable, "-m", "toolkit", "chat", "hello",
                                     "--backend", "offline"],
    "toolkit search krimiromaanid": [sys.executable, "-m", "toolkit", "search", "krimiromaanid"],
}


def wall_seconds(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=15, help="rounds (at least 10)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "TOOLKIT_DB": str(Path(tmp) / "cold.duckdb")}
        # As on a user's machine, where Python caches the compiled modules after the first run
        # (pip compiles an installed package's at install time). With the cache switched off,
        # every run compiles the toolkit's own modules again, about 30 ms here.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for command in COMMANDS.values():  # warm-up: the catalog file, .pyc files, page cache
            wall_seconds(command, env)
        times: dict[str, list[float]] = {name: [] for name in COMMANDS}
        for _ in range(max(args.runs, 10)):  # interleaved, so load on the machine hits all alike
            for name, command in COMMANDS.items():
                times[name].append(wall_seconds(command, env))
    floor_name = next(iter(COMMANDS))
    floor = statistics.median(times[floor_name])
    result = {"runs": max(args.runs, 10), "python": sys.version.split()[0], "commands": {}}
    print(f"{'command':42} {'median':>9} {'p10':>8} {'p90':>8} {'x floor':>8}")
    for name, values in times.items():
        values.sort()
        median = statistics.median(values)
        p10, p90 = values[len(values) // 10], values[(9 * len(values)) // 10]
        ratio = median / floor
        result["commands"][name] = {"median_s": round(median, 4), "p10_s": round(p10, 4),
                                    "p90_s": round(p90, 4), "x_floor": round(ratio, 2)}
        print(f"{name:42} {median * 1000:7.0f} ms {p10 * 1000:5.0f} ms {p90 * 1000:5.0f} ms "
              f"{ratio:7.2f}x")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
