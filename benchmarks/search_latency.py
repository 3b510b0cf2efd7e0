"""Search latency against the strongest baselines, on catalogs of 3,200, 100k and 1M products.

    .venv/bin/python benchmarks/search_latency.py              # default, 100k and 1M rows
    .venv/bin/python benchmarks/search_latency.py --sizes default 100000 --queries 200
    .venv/bin/python benchmarks/search_latency.py --sizes gutenberg    # a catalog we did not make

Sizes: "default" (our 3,200 products), a number (that many generated products), "gutenberg"
(5,000 real books, ../shared/eval-data, mapped as benchmarks/search_quality_gutenberg.py maps
them: a vocabulary and score spread no generator of ours shaped).

Three systems answer the same queries over the same catalog file:

- `sql_bm25`: plain BM25 written in SQL over DuckDB's own FTS index tables
  (`fts_main_product_terms.dict/terms/docs/stats`), term at a time: the query's termids first,
  then their postings, tf per (document, term), BM25 (k1 = 1.2, b = 0.75, the catalog's) summed
  per document, top 10 by `ORDER BY ... LIMIT`. The strongest baseline: no per-row macro.
- `macro_bm25`: DuckDB's `fts_main_product_terms.match_bm25` macro over every row, top 10.
- `search_products`: our whole search (planning and widening, filters, ranking SQL, rows,
  rerank and diversity), as a caller waits for it; its own metrics split the time into
  planning (with loading the vocabulary, when cold), its bare ranking SQL, reading the
  candidates' rows (`Catalog.products_by_rid`) and the rerank.

Both baselines get the user's own words, analysed as the index expects: the index is built
with `stemmer = 'none'` over text `toolkit.shop.text` has already stemmed, so the query's words
go through the same stemming (`text.terms`) in the query's detected language. Filters (a
budget, a category, a product type) are applied by the baselines as a join on `products` with
the same values.

Queries: sampled from the catalog itself with a fixed seed, each one used once: 1-4 words from
random products' titles, authors, categories and descriptions, Estonian and English products
in equal shares where the catalog has both, some with a typo, some with a word no product has, some with filters. A query
none of whose words the index knows costs our search no SQL at all, so the figures are also
given over the queries with a known word ("matched").

Warm: one catalog open for the whole run; distinct warm-up queries first fill DuckDB's buffers
and our caches (vocabulary, row cache; a catalog that fits in the row cache is read whole on a
background thread after its first search, as in any long-running process); then each measured query runs once per system,
interleaved query by query in a rotating order so the machine's noise falls on all of them.
Cold: before each cold query, every connection to the file is closed and the catalog is opened
afresh (`Catalog.open`: a new DuckDB database instance, its buffers empty, our vocabulary and
row cache empty; the operating system's file cache stays warm); the one timed call is that
system's first query (a background read of the rows it starts is stopped by closing the
catalog, after the timer). The same is done for every system; loading the FTS extension for the
macro is done before its timer (code, not index data).

p50 and p95 are `statistics.quantiles(..., n=100, method="inclusive")`; n is printed. Built
catalogs are cached in $TOOLKIT_BENCH_CACHE (default /tmp/toolkit-bench-cache), keyed by the
generator and the indexing code. Results go to benchmarks/results/search_latency.json.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import inspect
import json
import math
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb

from toolkit.core.settings import DEFAULT_CATALOG_FILE
from toolkit.shop import catalog as catalog_module
from toolkit.shop import lexicon, vocabulary
from toolkit.shop import text as analysis
from toolkit.shop.catalog import BM25_B, BM25_K1, PRODUCT_COLUMNS, Catalog, Row, load_fts
from toolkit.shop.search import SearchFilters, search_products

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "search_latency.json"
GENERATOR = ROOT / "data" / "generate_catalog.py"
CACHE = Path(os.environ.get("TOOLKIT_BENCH_CACHE", "/tmp/toolkit-bench-cache"))
SEED = 20251122
LIMIT = 10
SYSTEMS = ("sql_bm25", "macro_bm25", "search_products")
# The targets at 3k / 100k / 1M products; 5,000 books are held to the 3k one.
TARGET_P50_MS = {"default": 5.0, "gutenberg": 5.0, "100000": 20.0, "1000000": 100.0}
TARGET_RATIO = 1.2  # the whole search against the bare SQL BM25

# Plain BM25, term at a time over DuckDB's own FTS tables. `{where}` joins `products pr` for
# filters (fixed fragments, values bound). DuckDB's `log` in the macro is base 10; `ln` here
# scales every idf by the same constant, so the ranking is the same.
SQL_BM25 = f"""
    WITH q AS (
        SELECT d.termid, ln(1 + (s.num_docs - d.df + 0.5) / (d.df + 0.5)) AS idf
        FROM fts_main_product_terms.dict d, fts_main_product_terms.stats s
        WHERE list_contains(?, d.term)
    ),
    tf AS (
        SELECT t.docid, t.termid, count(*) AS tf
        FROM fts_main_product_terms.terms t
        WHERE t.termid IN (SELECT termid FROM q)
        GROUP BY t.docid, t.termid
    ),
    scored AS (
        SELECT d.name AS rid,
               sum(q.idf * tf.tf * ({BM25_K1} + 1)
                   / (tf.tf + {BM25_K1} * (1 - {BM25_B} + {BM25_B} * d.len / s.avgdl))) AS score
        FROM tf JOIN q USING (termid) JOIN fts_main_product_terms.docs d USING (docid),
             fts_main_product_terms.stats s
        GROUP BY d.name
    )
    SELECT scored.rid, scored.score FROM scored {{join}}
    ORDER BY scored.score DESC, scored.rid LIMIT {LIMIT}
"""
MACRO_BM25 = f"""
    SELECT rid, score FROM (
        SELECT pr.rid, fts_main_product_terms.match_bm25(pr.rid, ?, k := {BM25_K1},
                                                         b := {BM25_B}) AS score
        FROM products pr WHERE {{where}}
    ) WHERE score IS NOT NULL ORDER BY score DESC, rid LIMIT {LIMIT}
"""


# -- catalogs -----------------------------------------------------------------------------------


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_catalog", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part)
    return h.hexdigest()[:12]


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """DuckDB draws a progress bar on stderr for a long statement (an import of 1M rows),
    even into a file: hidden, at the file descriptor, for the import only."""
    saved = os.dup(2)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _index_code() -> list[bytes]:
    """What a built catalog depends on besides its rows: a change to any of it makes a cached
    catalog stale (the text analysis and the vocabulary whose phrases it indexes, how an import
    stages, stores and indexes, DuckDB)."""
    parts = [inspect.getsource(analysis).encode(), inspect.getsource(lexicon).encode(),
             inspect.getsource(vocabulary).encode(), catalog_module.index_version().encode(),
             duckdb.__version__.encode(),
             repr((catalog_module.BM25_K1, catalog_module.BM25_B,
                   catalog_module.FIELD_WEIGHTS)).encode()]
    for function in (catalog_module._stage, catalog_module._clean_text,
                     catalog_module._analysed_terms, catalog_module._replace_products,
                     catalog_module._build_index, catalog_module._import_into):
        parts.append(inspect.getsource(function).encode())
    return parts


def catalog_file(size: str) -> Path:
    """A catalog file of `size` products ("default" or a number), built once and cached."""
    CACHE.mkdir(parents=True, exist_ok=True)
    code = _index_code()
    if size == "default":
        source, key = DEFAULT_CATALOG_FILE, _digest(DEFAULT_CATALOG_FILE.read_bytes(), *code)
    elif size == "gutenberg":
        from search_quality_gutenberg import GUTENBERG, make_shop_file

        if not GUTENBERG.exists():
            raise SystemExit(f"{GUTENBERG} is absent: the gutenberg size needs ../shared/eval-data")
        source = make_shop_file(CACHE)
        key = _digest(source.read_bytes(), *code)
    else:
        source = CACHE / f"catalog-{size}-{_digest(GENERATOR.read_bytes())}.parquet"
        key = _digest(source.name.encode(), *code)
        if not source.exists():
            started = time.perf_counter()
            partial = source.with_suffix(".partial")
            _generator().write(partial, rows=int(size))
            partial.replace(source)
            print(f"  generated {int(size):,} rows in {time.perf_counter() - started:.1f} s",
                  flush=True)
    db = CACHE / f"catalog-{size}-{key}.duckdb"
    if not db.exists():
        for stale in CACHE.glob(f"catalog-{size}-*.duckdb"):
            stale.unlink()
        partial = CACHE / f"building-{size}.duckdb"
        partial.unlink(missing_ok=True)
        with Catalog.open(partial, seed_default=False) as catalog, _quiet_stderr():
            report = catalog.import_file(source)
        partial.replace(db)
        print(f"  imported and indexed {report.rows:,} rows in {report.seconds:.1f} s", flush=True)
    return db


# -- queries ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    text: str
    kind: str  # how it was made: title, author, category, description, mixed, typo, unknown
    language: str  # the language of the product it was drawn from
    filters: dict[str, Any] = field(default_factory=dict)  # SearchFilters fields


KINDS = ("title", "title", "author", "category", "description", "description", "mixed", "typo",
         "unknown")
LETTERS = "abcdefghijklmnoprstuvõäöü"


def _content_words(text: str | None) -> list[str]:
    return [w for w in analysis.words(text or "")
            if analysis.fold(w) not in analysis.STOP_WORDS and not w.isdigit() and len(w) > 1]


def _typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(1, len(word) - 1)
    edit = rng.choice(("swap", "drop", "replace"))
    if edit == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if edit == "drop":
        return word[:i] + word[i + 1:]
    return word[:i] + rng.choice(LETTERS.replace(word[i], "")) + word[i + 1:]


def _made_up(rng: random.Random) -> str:
    return "".join(rng.choice("bdfghjklmnprstvxz" if i % 2 == 0 else "aeiouy")
                   for i in range(rng.randint(5, 9)))


def _query_text(rng: random.Random, kind: str, row: Row) -> str | None:
    title, description = _content_words(row["title"]), _content_words(row["description"])
    author = [w for w in analysis.words(row["author"] or "") if len(w) > 1]
    category = _content_words(row["category"])
    if kind == "title" and title:
        start = rng.randrange(len(title))
        return " ".join(title[start:start + rng.randint(1, 3)])
    if kind == "author" and author:
        return " ".join(author) if rng.random() < 0.4 else author[-1]
    if kind == "category" and category:
        return " ".join(category)
    if kind == "description" and len(description) >= 2:
        how_many = min(len(description), rng.randint(2, 4))
        picked = sorted(rng.sample(range(len(description)), how_many))
        return " ".join(description[i] for i in picked)
    if kind == "mixed" and title and category:
        return f"{rng.choice(title)} {' '.join(category)}"
    if kind == "typo":
        long = [w for w in title + description if len(w) >= 5]
        if long:
            typo = _typo(rng, rng.choice(long))
            return typo + (f" {rng.choice(title)}" if title and rng.random() < 0.4 else "")
    if kind == "unknown":
        known = rng.choice(title or description or [""])
        return f"{known} {_made_up(rng)}".strip() if rng.random() < 0.7 else _made_up(rng)
    return None


def _filters(rng: random.Random, row: Row) -> dict[str, Any]:
    choice = rng.choice(("max_price", "range", "category", "product_type"))
    price = float(row["price"])
    if choice == "max_price":
        return {"max_price": float(round(price * 1.25 + 1))}
    if choice == "range":
        return {"min_price": float(int(price * 0.5)), "max_price": float(round(price * 1.5 + 1))}
    if choice == "category" and row["category"]:
        return {"categories": [row["category"]]}
    if row["product_type"]:
        return {"product_types": [row["product_type"]]}
    return {"max_price": float(round(price + 5))}


def sample_queries(db: Path, count: int, seed: int = SEED,
                   filtered_share: float = 0.2) -> list[Query]:
    """`count` distinct queries drawn from random products of the catalog, half from Estonian
    products and half from English ones (where the catalog has both)."""
    rng = random.Random(seed)
    con = duckdb.connect(str(db), read_only=True)
    try:
        by_language = {
            language: [r[0] for r in con.execute(
                "SELECT rid FROM products WHERE language = ? ORDER BY rid", [language]).fetchall()]
            for language in ("et", "en")}
        columns = ("title", "author", "description", "product_type", "category", "language",
                   "price")
        languages = [language for language, rids in by_language.items() if rids]
        queries: list[Query] = []
        seen: set[tuple[str, str]] = set()
        while len(queries) < count:
            pool = by_language[languages[len(queries) % len(languages)]]
            rid = rng.choice(pool)
            values = con.execute(f"SELECT {', '.join(columns)} FROM products WHERE rid = ?",
                                 [rid]).fetchone()
            assert values is not None
            row = dict(zip(columns, values, strict=True))
            kind = rng.choice(KINDS)
            text = _query_text(rng, kind, row)
            if not text:
                continue
            filters = _filters(rng, row) if rng.random() < filtered_share else {}
            key = (analysis.fold(text), json.dumps(filters, sort_keys=True))
            if key in seen:
                continue
            seen.add(key)
            queries.append(Query(text, kind, row["language"], filters))
        return queries
    finally:
        con.close()


# -- the systems --------------------------------------------------------------------------------


def _baseline_where(filters: dict[str, Any]) -> tuple[str, list[object]]:
    """The filters as WHERE clauses over `products pr`, every value a parameter."""
    clauses: list[str] = []
    params: list[object] = []
    if "min_price" in filters:
        clauses.append("pr.price >= ?")
        params.append(filters["min_price"])
    if "max_price" in filters:
        clauses.append("pr.price <= ?")
        params.append(filters["max_price"])
    if "categories" in filters:
        clauses.append("list_contains(?, pr.category_key)")
        params.append([analysis.fold(v) for v in filters["categories"]])
    if "product_types" in filters:
        clauses.append("list_contains(?, pr.product_type_key)")
        params.append([analysis.fold(v) for v in filters["product_types"]])
    return " AND ".join(clauses) or "true", params


def user_terms(text: str) -> list[str]:
    """The user's own words as the index holds words: stemmed in the query's language. Not the
    phrase terms the index also holds for the shop's multi-word names: those come from our
    vocabulary, which a plain BM25 does not have."""
    return analysis.terms(text, analysis.detect_language(text))


def sql_bm25(cur: duckdb.DuckDBPyConnection, query: Query) -> list[tuple[int, float]]:
    terms = sorted(set(user_terms(query.text)))
    where, params = _baseline_where(query.filters)
    join = "" if where == "true" else f"JOIN products pr ON pr.rid = scored.rid WHERE {where}"
    return cur.execute(SQL_BM25.format(join=join), [terms, *params]).fetchall()


def macro_bm25(cur: duckdb.DuckDBPyConnection, query: Query) -> list[tuple[int, float]]:
    where, params = _baseline_where(query.filters)
    text = " ".join(user_terms(query.text))
    return cur.execute(MACRO_BM25.format(where=where), [text, *params]).fetchall()


@dataclass
class Breakdown:
    """Where one `search_products` call spent its time, from its own metrics."""

    planning: float
    ranking_sql: float
    rows: float
    rerank: float
    matched: bool  # some query word is in the index (else no SQL runs at all)


@contextmanager
def _timed_rows(catalog: Catalog, spent: list[float]) -> Iterator[None]:
    """Time `Catalog.products_by_rid` (reading result rows) inside a search."""
    original = catalog.products_by_rid

    def timed(rids: list[int], columns: Sequence[str] = PRODUCT_COLUMNS) -> list[Row]:
        t0 = time.perf_counter()
        try:
            return original(rids, columns)
        finally:
            spent.append((time.perf_counter() - t0) * 1000)

    catalog.products_by_rid = timed  # type: ignore[method-assign]
    try:
        yield
    finally:
        del catalog.products_by_rid


def ours(catalog: Catalog, query: Query) -> Breakdown:
    spent: list[float] = []
    with _timed_rows(catalog, spent):
        result = search_products(catalog, query.text, SearchFilters(**query.filters), limit=LIMIT)
    m = result.metrics
    rows = sum(spent)
    return Breakdown(planning=max(m.total_ms - m.sql_ms - m.rerank_ms, 0.0),
                     ranking_sql=max(m.sql_ms - rows, 0.0), rows=rows, rerank=m.rerank_ms,
                     matched=m.matched_words > 0)


def run(system: str, catalog: Catalog, query: Query) -> tuple[float, Breakdown | None]:
    """One call of `system`, its wall time in ms and, for ours, the breakdown."""
    if system == "search_products":
        t0 = time.perf_counter()
        breakdown = ours(catalog, query)
        return (time.perf_counter() - t0) * 1000, breakdown
    baseline = sql_bm25 if system == "sql_bm25" else macro_bm25
    with catalog.cursor() as cur:
        cur.execute("SET enable_progress_bar = false")  # a slow macro would draw one on stderr
        t0 = time.perf_counter()
        baseline(cur, query)
        return (time.perf_counter() - t0) * 1000, None


# -- measuring ----------------------------------------------------------------------------------


def percentiles(samples: list[float]) -> dict[str, float]:
    if len(samples) < 2:
        value = samples[0] if samples else float("nan")
        return {"p50": value, "p95": value, "n": len(samples)}
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50": round(cuts[49], 3), "p95": round(cuts[94], 3), "n": len(samples)}


def _order(i: int) -> tuple[str, ...]:
    k = i % len(SYSTEMS)
    return SYSTEMS[k:] + SYSTEMS[:k]


def measure_cold(db: Path, queries: list[Query]
                 ) -> tuple[dict[str, list[float]], list[Breakdown]]:
    """Each query once per system, each on a catalog opened afresh with nothing else open."""
    times: dict[str, list[float]] = {s: [] for s in SYSTEMS}
    breakdowns: list[Breakdown] = []
    for i, query in enumerate(queries):
        for system in _order(i):
            with Catalog.open(db, seed_default=False) as catalog:
                if system == "macro_bm25":
                    with catalog.cursor() as cur:
                        load_fts(cur)
                ms, breakdown = run(system, catalog, query)
            times[system].append(ms)
            if breakdown is not None:
                breakdowns.append(breakdown)
    return times, breakdowns


def measure_warm(db: Path, warmup: list[Query], queries: list[Query]
                 ) -> tuple[dict[str, list[float]], list[Breakdown], list[bool]]:
    times: dict[str, list[float]] = {s: [] for s in SYSTEMS}
    breakdowns: list[Breakdown] = []
    with Catalog.open(db, seed_default=False) as catalog:
        with catalog.cursor() as cur:
            load_fts(cur)
        agree: list[bool] = []
        for query in warmup:
            for system in SYSTEMS:
                run(system, catalog, query)
            with catalog.cursor() as cur:  # the two baselines must score alike
                plain, macro = sql_bm25(cur, query), macro_bm25(cur, query)
            agree.append(len(plain) == len(macro) and all(
                math.isclose(a, b * math.log(10), rel_tol=1e-9)  # ln here, log10 in the macro
                for (_, a), (_, b) in zip(plain, macro, strict=True)))
        for i, query in enumerate(queries):
            for system in _order(i):
                ms, breakdown = run(system, catalog, query)
                times[system].append(ms)
                if breakdown is not None:
                    breakdowns.append(breakdown)
    return times, breakdowns, agree


PARTS = ("planning", "ranking_sql", "rows", "rerank")


def _parts(breakdowns: list[Breakdown]) -> dict[str, dict[str, float]]:
    return {part: percentiles([getattr(b, part) for b in breakdowns]) for part in PARTS}


def _ratio(a: dict[str, float], b: dict[str, float]) -> float:
    return round(a["p50"] / b["p50"], 3)


def bench(size: str, count: int, warmup_count: int, cold_count: int) -> dict[str, Any]:
    db = catalog_file(size)
    queries = sample_queries(db, warmup_count + count + cold_count)
    warmup, measured = queries[:warmup_count], queries[warmup_count:warmup_count + count]
    cold_queries = queries[warmup_count + count:]
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    cold, cold_breakdowns = measure_cold(db, cold_queries)
    warm, breakdowns, agree = measure_warm(db, warmup, measured)
    filtered = [i for i, q in enumerate(measured) if q.filters]
    matched = [i for i, b in enumerate(breakdowns) if b.matched]
    with Catalog.open(db, seed_default=False) as catalog:
        rows = catalog.vocabulary().num_docs
    result: dict[str, Any] = {
        "rows": rows,
        "queries": {"measured": len(measured), "warmup": len(warmup), "cold": len(cold_queries),
                    "filtered": len(filtered), "matched": len(matched),
                    "kinds": {k: sum(q.kind == k for q in measured) for k in sorted(set(KINDS))},
                    "languages": {lang: sum(q.language == lang for q in measured)
                                  for lang in ("et", "en")},
                    "examples": [q.text + (f"  {q.filters}" if q.filters else "")
                                 for q in measured[:12]]},
        "warm_ms": {s: percentiles(warm[s]) for s in SYSTEMS},
        "warm_filtered_ms": {s: percentiles([warm[s][i] for i in filtered]) for s in SYSTEMS},
        # Only the queries with a word the index knows: the others cost us no SQL at all.
        "warm_matched_ms": {s: percentiles([warm[s][i] for i in matched]) for s in SYSTEMS},
        "cold_ms": {s: percentiles(cold[s]) for s in SYSTEMS},
        "search_products_parts_ms": _parts(breakdowns),
        "search_products_cold_parts_ms": _parts(cold_breakdowns),
        "load_average_1min": [load_before, os.getloadavg()[0]],
        "baselines_agree": f"{sum(agree)}/{len(agree)}",
        "seconds": round(time.perf_counter() - started, 1),
    }
    w, c, r_matched = result["warm_ms"], result["cold_ms"], result["warm_matched_ms"]
    paired = [o / s for o, s in zip(warm["search_products"], warm["sql_bm25"], strict=True)]
    result["ratios"] = {
        "warm_ours_over_sql_bm25_p50": _ratio(w["search_products"], w["sql_bm25"]),
        "warm_ours_over_sql_bm25_paired_median": round(statistics.median(paired), 3),
        "warm_matched_ours_over_sql_bm25_p50": _ratio(r_matched["search_products"],
                                                      r_matched["sql_bm25"]),
        "warm_ours_over_macro_p50": _ratio(w["search_products"], w["macro_bm25"]),
        "warm_macro_over_sql_bm25_p50": _ratio(w["macro_bm25"], w["sql_bm25"]),
        "cold_ours_over_sql_bm25_p50": _ratio(c["search_products"], c["sql_bm25"]),
        "cold_ours_over_macro_p50": _ratio(c["search_products"], c["macro_bm25"]),
    }
    target = TARGET_P50_MS.get(size)
    result["targets"] = {
        "p50_ms": target,
        "p50_met": None if target is None else w["search_products"]["p50"] <= target,
        "ratio": TARGET_RATIO,
        "ratio_met": result["ratios"]["warm_ours_over_sql_bm25_p50"] <= TARGET_RATIO,
    }
    return result


def _print(size: str, r: dict[str, Any]) -> None:
    q = r["queries"]
    print(f"  {r['rows']:,} rows; {q['measured']} measured queries ({q['filtered']} filtered, "
          f"{q['matched']} with a word in the index), "
          f"{q['warmup']} warm-up, {q['cold']} cold; {r['seconds']} s; load average "
          f"{r['load_average_1min'][0]:.1f} -> {r['load_average_1min'][1]:.1f}")
    print(f"  {'':18}{'warm p50':>10}{'p95':>9}{'n':>5}  {'filtered p50':>13}"
          f"{'matched p50':>13}   {'cold p50':>9}{'p95':>9}{'n':>4}")
    for s in SYSTEMS:
        w, f, c = r["warm_ms"][s], r["warm_filtered_ms"][s], r["cold_ms"][s]
        m = r["warm_matched_ms"][s]
        print(f"  {s:18}{w['p50']:10.2f}{w['p95']:9.2f}{w['n']:5}  {f['p50']:13.2f}"
              f"{m['p50']:13.2f}   {c['p50']:9.2f}{c['p95']:9.2f}{c['n']:4}")
    for label, key in (("warm", "search_products_parts_ms"),
                       ("cold", "search_products_cold_parts_ms")):
        print(f"  search_products p50 by part, {label}: " + ", ".join(
            f"{part} {v['p50']:.2f}" for part, v in r[key].items()) + " ms")
    for name, value in r["ratios"].items():
        print(f"  {name:42} {value:6.2f}x")
    t = r["targets"]
    if t["p50_ms"] is not None:
        print(f"  target p50 <= {t['p50_ms']:g} ms: {'met' if t['p50_met'] else 'MISSED'};"
              f" ours / SQL BM25 <= {t['ratio']}x: {'met' if t['ratio_met'] else 'MISSED'}")
    print(f"  the two baselines give the same top-10 scores: {r['baselines_agree']} "
          "warm-up queries", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["default", "100000", "1000000"])
    parser.add_argument("--queries", type=int, default=300, help="measured warm queries per size")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--cold", type=int, default=50, help="cold queries per size and system")
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args(argv)
    report: dict[str, Any] = {
        "machine": f"{platform.machine()} {platform.python_version()}, {os.cpu_count()} cores, "
                   f"DuckDB {duckdb.__version__}",
        "load_average_at_start": list(os.getloadavg()),
        "sizes": {}}
    for size in args.sizes:
        print(f"\n== catalog: {size}", flush=True)
        result = bench(size, args.queries, args.warmup, args.cold)
        report["sizes"][size] = result
        _print(size, result)
    report["load_average_at_end"] = list(os.getloadavg())
    if not args.no_save:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n",
                           encoding="utf-8")
        print(f"\nsaved {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
