"""Search latency on the default catalog and on generated catalogs of 100k and 1M products.

    python benchmarks/search_latency.py                 # default, 100k and 1M rows
    python benchmarks/search_latency.py --sizes default 100000

For each catalog: `search_products` (query planning, BM25 over the index tables, filters,
rerank and diversity: everything a caller waits for) against DuckDB's own
`fts_main_product_terms.match_bm25` macro over the same FTS index, given the same index terms.
The two run interleaved, query by query, in one process, so the machine's noise falls on both;
the figure that matters is the ratio. `search_products` reads product rows through the
catalog's row cache, warm here (the queries ran once before); the "cold row cache" line runs
each search once more with the cache emptied first. A catalog that fits the cache (20,000
rows) is read whole on its first search, which that line includes. Results are printed and saved to
benchmarks/results/search_latency.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from toolkit.core.settings import DEFAULT_CATALOG_FILE
from toolkit.shop.catalog import Catalog
from toolkit.shop.search import SearchFilters, plan_query, search_products

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "search_latency.json"

QUERIES = [
    "krimiromaanid", "crime novels", "Tammsaare", "raamatut emale", "fantaasia", "Harry Potter",
    "kokaraamat", "poetry", "lasteraamatud", "lauamängud", "küünlad", "mugs", "Kivirähki raamatud",
    "ajalooraamatud", "love stories", "science fiction", "kingitus sõbrale", "pusle", "märkmik",
    "Sherlock Holmes", "eesti klassika", "memoirs", "teddy bear", "Jaan Krossi romaanid",
]
FILTERED = [
    ("krimiromaanid", SearchFilters(max_price=20)),
    ("raamat", SearchFilters(min_price=10, max_price=30, categories=["Lasteraamatud"])),
    ("kingitus", SearchFilters(max_price=15, product_types=["Kingitused", "Kodukaubad"])),
    ("fantasy", SearchFilters(age=12)),
]
BASELINE_SQL = """
    SELECT rid, score FROM (
        SELECT rid, fts_main_product_terms.match_bm25(rid, ?) AS score FROM product_terms
    ) WHERE score IS NOT NULL ORDER BY score DESC LIMIT 10
"""


def _generator():
    spec = importlib.util.spec_from_file_location("generate_catalog", ROOT / "data" / "generate_catalog.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50": statistics.median(ordered), "p95": ordered[int(0.95 * (len(ordered) - 1))],
            "n": len(ordered)}


def _catalog_for(size: str, workdir: Path) -> tuple[Catalog, dict]:
    db = workdir / f"catalog-{size}.duckdb"
    if size == "default":
        source = DEFAULT_CATALOG_FILE
    else:
        source = workdir / f"catalog-{size}.parquet"
        started = time.perf_counter()
        _generator().write(source, rows=int(size))
        print(f"  generated {int(size):,} rows in {time.perf_counter() - started:.1f} s", flush=True)
    catalog = Catalog.open(db, seed_default=False)
    report = catalog.import_file(source)  # loads the FTS extension: match_bm25 needs it
    print(f"  imported and indexed {report.rows:,} rows in {report.seconds:.1f} s", flush=True)
    return catalog, {"rows": report.rows, "import_s": round(report.seconds, 2)}


def _baseline_text(catalog: Catalog, query: str) -> str:
    """The index terms our planner widened the query to, as a query string for the macro."""
    groups = plan_query(catalog.vocabulary(), [(query, 1.0)])
    return " ".join(term for g in groups for term in g.alternatives)


def bench(catalog: Catalog, rounds: int) -> dict:
    ours: list[float] = []
    cold: list[float] = []
    macro: list[float] = []
    filtered: list[float] = []
    texts = {q: _baseline_text(catalog, q) for q in QUERIES}
    with catalog.cursor() as cur:
        for query in QUERIES:  # warm-up: caches, the vocabulary, DuckDB's buffers
            search_products(catalog, query)
            cur.execute(BASELINE_SQL, [texts[query]]).fetchall()
        for _ in range(rounds):
            for query in QUERIES:
                t0 = time.perf_counter()
                search_products(catalog, query)
                t1 = time.perf_counter()
                cur.execute(BASELINE_SQL, [texts[query]]).fetchall()
                t2 = time.perf_counter()
                ours.append((t1 - t0) * 1000)
                macro.append((t2 - t1) * 1000)
            for query, filters in FILTERED:
                t0 = time.perf_counter()
                search_products(catalog, query, filters)
                filtered.append((time.perf_counter() - t0) * 1000)
        for query in QUERIES:  # each search again with no product row cached
            catalog.clear_cache()
            t0 = time.perf_counter()
            search_products(catalog, query)
            cold.append((time.perf_counter() - t0) * 1000)
    result = {"search_products_ms": _percentiles(ours),
              "search_products_cold_row_cache_ms": _percentiles(cold),
              "match_bm25_macro_ms": _percentiles(macro),
              "search_products_filtered_ms": _percentiles(filtered)}
    result["speedup_p50"] = result["match_bm25_macro_ms"]["p50"] / result["search_products_ms"]["p50"]
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["default", "100000", "1000000"])
    parser.add_argument("--rounds", type=int, default=0,
                        help="passes over the query set (default: 20 small, 5 at 100k, 2 at 1M)")
    args = parser.parse_args(argv)
    report = {"machine": f"{platform.machine()} {platform.python_version()}", "sizes": {}}
    with tempfile.TemporaryDirectory(prefix="toolkit-bench-") as tmp:
        for size in args.sizes:
            print(f"\n== catalog: {size}", flush=True)
            catalog, meta = _catalog_for(size, Path(tmp))
            rows = meta["rows"]
            rounds = args.rounds or (20 if rows < 50_000 else 5 if rows < 500_000 else 2)
            result = {**meta, **bench(catalog, rounds)}
            catalog.close()
            report["sizes"][size] = result
            ours, macro = result["search_products_ms"], result["match_bm25_macro_ms"]
            print(f"  search_products   p50 {ours['p50']:8.2f} ms   p95 {ours['p95']:8.2f} ms"
                  f"   (n={ours['n']})")
            cold = result["search_products_cold_row_cache_ms"]
            print(f"  cold row cache    p50 {cold['p50']:8.2f} ms   p95 {cold['p95']:8.2f} ms")
            print(f"  with filters      p50 {result['search_products_filtered_ms']['p50']:8.2f} ms"
                  f"   p95 {result['search_products_filtered_ms']['p95']:8.2f} ms")
            print(f"  match_bm25 macro  p50 {macro['p50']:8.2f} ms   p95 {macro['p95']:8.2f} ms")
            print(f"  ratio (macro / ours, p50): {result['speedup_p50']:.1f}x", flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nsaved {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
