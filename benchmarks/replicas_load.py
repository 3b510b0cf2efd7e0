"""Two replicas, one PostgreSQL: the load benchmark (`assistant_load.py`) run as two processes
at once, sharing conversation state in a throwaway PostgreSQL server, beside one process on the
same server and one on its SQLite file. For docs/deploy.md.

    python benchmarks/replicas_load.py [--levels 10 100] [--backends offline simulated]

Needs PostgreSQL's server programs (Debian's `postgresql` package); the server lives in a
temporary folder and is removed afterwards. Each replica has its own copy of the catalog, as
replicas on separate machines would. On this 2-core machine the two replicas also share the
CPU with each other and with PostgreSQL, which a real deployment would not: read the
two-replica figures as a floor. Saved to benchmarks/results/replicas_load.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from postgres_server import PostgresServer, server_bin  # noqa: E402 - the tests' throwaway server

RESULTS = ROOT / "benchmarks" / "results" / "replicas_load.json"
LOAD = ROOT / "benchmarks" / "assistant_load.py"


def run_replicas(count: int, state: str | None, levels: list[str], backends: list[str],
                 folder: Path, name: str) -> list[dict]:
    """`count` load processes at once; every row each of them measured, tagged by replica."""
    children = []
    for i in range(count):
        out = folder / f"{name}-{i}.json"
        command = [sys.executable, str(LOAD), "--levels", *levels, "--backends", *backends,
                   "--tag", f"{name}-{i}", "--out", str(out), "--no-unbounded"]
        if state:
            command += ["--state", state]
        children.append((out, subprocess.Popen(command, stdout=subprocess.DEVNULL)))
    rows = []
    for i, (out, child) in enumerate(children):
        if child.wait() != 0:
            raise SystemExit(f"replica {i} of {name} failed")
        rows += [{**row, "replica": i} for row in json.loads(out.read_text())["rows"]]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", nargs="+", default=["10", "100"])
    parser.add_argument("--backends", nargs="+", default=["offline", "simulated"])
    args = parser.parse_args()
    bin_dir = server_bin()
    if bin_dir is None:
        raise SystemExit("PostgreSQL's server programs are not installed: apt-get install postgresql")
    server = PostgresServer(bin_dir)
    server.start()
    results = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            for name, count, state in (("sqlite-1", 1, None), ("postgres-1", 1, server.url),
                                       ("postgres-2", 2, server.url)):
                results[name] = run_replicas(count, state, args.levels, args.backends, folder,
                                             name)
    finally:
        server.remove()
    print(f"{'setup':11} {'backend':9} {'conv/replica':>12} {'turns/s (all)':>14} "
          f"{'p50 ms':>8} {'p95 ms':>8} {'busy':>5} {'failed':>6}")
    table = []
    for name, rows in results.items():
        for backend in args.backends:
            for level in args.levels:
                mine = [r for r in rows if r["backend"].startswith(backend)
                        and r["concurrency"] == int(level)]
                row = {"setup": name, "backend": backend, "concurrency": int(level),
                       "turns_per_s": round(sum(r["turns_per_s"] for r in mine), 1),
                       "p50_ms": max(r["p50_ms"] for r in mine),
                       "p95_ms": max(r["p95_ms"] for r in mine),
                       "refused_busy": sum(r["refused_busy"] for r in mine),
                       "failed": sum(r["failed"] for r in mine)}
                table.append(row)
                print(f"{name:11} {backend:9} {level:>12} {row['turns_per_s']:14} "
                      f"{row['p50_ms']:8} {row['p95_ms']:8} {row['refused_busy']:5} "
                      f"{row['failed']:6}")
    RESULTS.write_text(json.dumps({"rows": table, "raw": results}, indent=2))
    print(f"\nsaved {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
