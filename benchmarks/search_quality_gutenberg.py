"""Search quality on a held-out catalog nobody here wrote: nDCG@10 of `search_products` against
plain DuckDB BM25, on 5,000 Project Gutenberg books and 48 shopper queries (36 English, 12
Estonian) with graded relevance judgments.

    python benchmarks/search_quality_gutenberg.py pool [--out /tmp/gutenberg_pool.json]
    python benchmarks/search_quality_gutenberg.py [report]

Both systems index the same shop file, made from ../shared/eval-data/gutenberg_books.parquet
exactly as tests/test_eval_catalog.py makes it (subjects as description, the first of the
categories as category) in a temporary directory; the catalog itself never enters the
repository, only book ids and grades do.

- "ours": `Catalog.import_file` then `search_products(catalog, query, limit=10)`.
- "bm25": a separate DuckDB database with the same rows and DuckDB's FTS index over title,
  author, description and category (Porter stemmer, English stop words), queried with
  `match_bm25` on the raw query text: the strongest simple baseline.

`pool` runs every query through both systems, takes the union of their top 10, drops the
(query, book) pairs already judged, and writes a blind file for a judge: per query its text and
need (the judging criterion), and the books in a deterministic hash order with all the
catalog's metadata, and nothing saying which system returned a book or at what rank.

`report` scores both systems with the judgments in benchmarks/data/gutenberg_judgments.json
(grades 0, 1, 2): DCG@10 = sum of (2^grade - 1) / log2(rank + 1), divided by the ideal DCG
from all judged books of that query. An unjudged book counts as grade 0 and is counted per
query, so a large count says the pool should be judged again; a judged-only nDCG (unjudged
books removed from the ranking) is reported beside it as the other bound. A query with no relevant judged
book has no nDCG and is left out of the means. Means are given for the dev and test splits,
for all queries, and by query language; the per-query difference is ours - bm25. Results are
printed and saved to benchmarks/results/search_quality_gutenberg.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import duckdb_extensions

ROOT = Path(__file__).resolve().parent.parent
GUTENBERG = ROOT.parent / "shared" / "eval-data" / "gutenberg_books.parquet"
QUERIES = ROOT / "benchmarks" / "data" / "gutenberg_queries.json"
JUDGMENTS = ROOT / "benchmarks" / "data" / "gutenberg_judgments.json"
RESULTS = ROOT / "benchmarks" / "results" / "search_quality_gutenberg.json"
DEFAULT_POOL = Path("/tmp/gutenberg_pool.json")
DEPTH = 10
SYSTEMS = ("ours", "bm25")
METADATA = ("title", "authors", "subjects", "categories", "bookshelves", "lcc", "language")

Ranking = dict[str, list[str]]  # query id -> book ids, best first
Runner = tuple[Callable[[str], list[str]], Callable[[], None]]  # search, close
Judgments = dict[str, dict[str, int]]  # query id -> book id -> grade

BM25_SQL = f"""
    SELECT id, score FROM (
        SELECT id, fts_main_books.match_bm25(id, ?) AS score FROM books
    ) WHERE score IS NOT NULL ORDER BY score DESC, id LIMIT {DEPTH}
"""


def _sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def make_shop_file(folder: Path) -> Path:
    """The Gutenberg catalog as a shop file (tests/test_eval_catalog.py uses it too)."""
    shop_file = folder / "gutenberg.parquet"
    duckdb.execute(
        """
        COPY (
            SELECT gutenberg_id AS id, title, authors AS author, subjects AS description,
                   split_part(categories, ';', 1) AS category, 'Books' AS product_type, language,
                   round(3 + (gutenberg_id % 40) + 0.99, 2) AS price,
                   gutenberg_id % 17 = 0 AS in_popular_list
            FROM read_parquet(?)
        ) TO """ + _sql_path(shop_file) + " (FORMAT parquet)",
        [str(GUTENBERG)],
    )
    return shop_file


def _load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """DuckDB's FTS extension from its wheel, as toolkit.shop.catalog.load_fts does."""
    try:
        con.execute("LOAD fts")
    except duckdb.Error:
        duckdb_extensions.import_extension("fts", con=con)
        con.execute("LOAD fts")


def setup_ours(folder: Path, shop_file: Path) -> Runner:
    from toolkit.shop.catalog import Catalog
    from toolkit.shop.search import search_products

    catalog = Catalog.open(folder / "shop.duckdb", seed_default=False)
    catalog.import_file(shop_file)

    def run(query: str) -> list[str]:
        return [str(p.id) for p in search_products(catalog, query, limit=DEPTH).products]

    return run, catalog.close


def setup_bm25(folder: Path, shop_file: Path) -> Runner:
    con = duckdb.connect(str(folder / "bm25.duckdb"))
    _load_fts(con)
    con.execute(f"""
        CREATE TABLE books AS
        SELECT CAST(id AS VARCHAR) AS id, title, author, description, category
        FROM read_parquet({_sql_path(shop_file)})
    """)
    con.execute("PRAGMA create_fts_index('books', 'id', 'title', 'author', 'description', "
                "'category', stemmer='porter', stopwords='english', overwrite=1)")

    def run(query: str) -> list[str]:
        return [row[0] for row in con.execute(BM25_SQL, [query]).fetchall()]

    return run, con.close


def run_systems(queries: list[dict[str, str]]) -> tuple[dict[str, Ranking], dict[str, float]]:
    """Every query's top 10 from both systems, and the seconds each step took."""
    timings: dict[str, float] = {}
    rankings: dict[str, Ranking] = {name: {} for name in SYSTEMS}
    with tempfile.TemporaryDirectory(prefix="gutenberg-eval-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        shop_file = make_shop_file(folder)
        timings["shop_file_s"] = time.perf_counter() - started
        setups = {"ours": setup_ours, "bm25": setup_bm25}
        for name in SYSTEMS:
            started = time.perf_counter()
            run, close = setups[name](folder, shop_file)
            timings[f"{name}_setup_s"] = time.perf_counter() - started
            started = time.perf_counter()
            try:
                for q in queries:
                    rankings[name][q["id"]] = run(q["query"])
            finally:
                close()
            timings[f"{name}_queries_s"] = time.perf_counter() - started
            print(f"  {name:5} setup {timings[f'{name}_setup_s']:5.1f} s, "
                  f"{len(queries)} queries {timings[f'{name}_queries_s']:5.2f} s", flush=True)
    return rankings, timings


def load_queries() -> list[dict[str, str]]:
    queries: list[dict[str, str]] = json.loads(QUERIES.read_text(encoding="utf-8"))
    return queries


def load_judgments() -> Judgments:
    if not JUDGMENTS.exists():
        return {}
    data = json.loads(JUDGMENTS.read_text(encoding="utf-8"))
    return {qid: {str(book): int(grade) for book, grade in grades.items()}
            for qid, grades in data.get("judgments", {}).items()}


def _book_metadata(ids: set[str]) -> dict[str, dict[str, Any]]:
    columns = ", ".join(METADATA)
    rows = duckdb.execute(
        f"SELECT CAST(gutenberg_id AS VARCHAR), {columns} FROM read_parquet(?) "
        "WHERE CAST(gutenberg_id AS VARCHAR) IN (SELECT unnest(?))",
        [str(GUTENBERG), sorted(ids)],
    ).fetchall()
    return {row[0]: dict(zip(METADATA, row[1:], strict=True)) for row in rows}


def _blind_key(query_id: str, book_id: str) -> str:
    return hashlib.sha256(f"{query_id}/{book_id}".encode()).hexdigest()


def pool(out: Path) -> None:
    queries = load_queries()
    judged = load_judgments()
    rankings, timings = run_systems(queries)
    unjudged: dict[str, list[str]] = {}
    for q in queries:
        union = {book for name in SYSTEMS for book in rankings[name][q["id"]]}
        unjudged[q["id"]] = sorted(union - judged.get(q["id"], {}).keys(),
                                   key=lambda book: _blind_key(q["id"], book))
    metadata = _book_metadata({book for books in unjudged.values() for book in books})
    entries = [{"id": q["id"], "query": q["query"], "need": q["need"],
                "items": [{"book_id": book, **metadata[book]} for book in unjudged[q["id"]]]}
               for q in queries]
    total = sum(len(e["items"]) for e in entries)
    document = {
        "instructions": "Grade each item for its query's need: 2 = clearly meets the need, "
                        "1 = partly or arguably, 0 = does not. Write grades to "
                        "benchmarks/data/gutenberg_judgments.json as "
                        '{"judgments": {"<query id>": {"<book_id>": grade}}}.',
        "queries": entries,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    sizes = [len(e["items"]) for e in entries]
    print(f"\npool: {total} unjudged items over {len(entries)} queries "
          f"(per query min {min(sizes)}, median {statistics.median(sizes):g}, max {max(sizes)})")
    print(f"wrote {out}")


def dcg(grades: list[int]) -> float:
    return sum((2.0 ** g - 1) / math.log2(rank + 2) for rank, g in enumerate(grades[:DEPTH]))


def ndcg(ranking: list[str], grades: dict[str, int]) -> float | None:
    ideal = dcg(sorted(grades.values(), reverse=True))
    if ideal == 0:
        return None
    return dcg([grades.get(book, 0) for book in ranking]) / ideal


def ndcg_judged_only(ranking: list[str], grades: dict[str, int]) -> float | None:
    """nDCG@10 over the ranking with its unjudged books removed (a condensed list, Sakai 2007):
    the other bound, when the pool lags a change of ranking. Unjudged-as-0 is the lower one."""
    return ndcg([book for book in ranking if book in grades], grades)


def _mean(values: list[float | None]) -> dict[str, Any]:
    scored = [v for v in values if v is not None]
    return {"mean": round(statistics.fmean(scored), 4) if scored else None, "n": len(scored)}


def _fmt(value: float | None, width: int, sign: str = "") -> str:
    return f"{value:{sign}{width}.3f}" if value is not None else f"{'-':>{width}}"


def report() -> None:
    queries = load_queries()
    judgments = load_judgments()
    if not judgments:
        print(f"{JUDGMENTS.relative_to(ROOT)} is absent or empty: every nDCG is undefined until "
              f"the pool is judged (run `pool` first).")
    rankings, timings = run_systems(queries)
    per_query: list[dict[str, Any]] = []
    print(f"\n{'id':4} {'split':5} {'lang':4} {'ours':>6} {'bm25':>6} {'diff':>7} "
          f"{'unj o':>5} {'unj b':>5}  query")
    for q in queries:
        grades = judgments.get(q["id"], {})
        row: dict[str, Any] = {"id": q["id"], "query": q["query"], "split": q["split"],
                               "language": q["language"], "judged": len(grades)}
        for name in SYSTEMS:
            ranking = rankings[name][q["id"]]
            row[name] = {"ndcg10": ndcg(ranking, grades),
                         "ndcg10_judged_only": ndcg_judged_only(ranking, grades),
                         "unjudged_in_top10": sum(book not in grades for book in ranking),
                         "returned": len(ranking), "top10": ranking}
        ours, bm25 = row["ours"]["ndcg10"], row["bm25"]["ndcg10"]
        row["diff"] = None if ours is None or bm25 is None else ours - bm25
        per_query.append(row)

        print(f"{q['id']:4} {q['split']:5} {q['language']:4} {_fmt(ours, 6)} {_fmt(bm25, 6)} "
              f"{_fmt(row['diff'], 7, '+')} {row['ours']['unjudged_in_top10']:5} "
              f"{row['bm25']['unjudged_in_top10']:5}  {q['query']}")

    undefined = [r["id"] for r in per_query if r["ours"]["ndcg10"] is None]
    if undefined:
        print("\nno relevant book judged, so no nDCG (left out of the means): "
              + ", ".join(undefined))

    groups: dict[str, list[dict[str, Any]]] = {
        "dev": [r for r in per_query if r["split"] == "dev"],
        "test": [r for r in per_query if r["split"] == "test"],
        "all": per_query,
        "en": [r for r in per_query if r["language"] == "en"],
        "et": [r for r in per_query if r["language"] == "et"],
        "test/en": [r for r in per_query if r["split"] == "test" and r["language"] == "en"],
        "test/et": [r for r in per_query if r["split"] == "test" and r["language"] == "et"],
        "fresh": [r for r in per_query if r["split"] == "fresh"],
        "fresh/en": [r for r in per_query if r["split"] == "fresh" and r["language"] == "en"],
        "fresh/et": [r for r in per_query if r["split"] == "fresh" and r["language"] == "et"],
    }
    summary: dict[str, Any] = {}
    print(f"\n{'group':8} {'n':>3} {'ours':>7} {'bm25':>7} {'diff':>7} {'wins':>4} {'ties':>4} "
          f"{'losses':>6} {'unjudged o/b':>12} {'judged-only o/b':>16}")
    for group, rows in groups.items():
        scored = [r for r in rows if r["diff"] is not None]
        entry: dict[str, Any] = {name: _mean([r[name]["ndcg10"] for r in rows]) for name in SYSTEMS}
        for name in SYSTEMS:
            entry[f"{name}_judged_only"] = _mean([r[name]["ndcg10_judged_only"] for r in rows])
        entry["diff_mean"] = (round(statistics.fmean(r["diff"] for r in scored), 4)
                              if scored else None)
        entry["wins"] = sum(r["diff"] > 1e-9 for r in scored)
        entry["losses"] = sum(r["diff"] < -1e-9 for r in scored)
        entry["ties"] = len(scored) - entry["wins"] - entry["losses"]
        entry["unjudged_in_top10"] = {name: sum(r[name]["unjudged_in_top10"] for r in rows)
                                      for name in SYSTEMS}
        summary[group] = entry

        print(f"{group:8} {len(scored):3} {_fmt(entry['ours']['mean'], 7)} "
              f"{_fmt(entry['bm25']['mean'], 7)} {_fmt(entry['diff_mean'], 7)} {entry['wins']:4} "
              f"{entry['ties']:4} {entry['losses']:6} "
              f"{entry['unjudged_in_top10']['ours']:5}/{entry['unjudged_in_top10']['bm25']:<6} "
              f"{_fmt(entry['ours_judged_only']['mean'], 7)}/{_fmt(entry['bm25_judged_only']['mean'], 5)}")

    method = (json.loads(JUDGMENTS.read_text(encoding="utf-8")).get("method")
              if JUDGMENTS.exists() else None)
    result = {"catalog": GUTENBERG.name, "queries": len(queries), "depth": DEPTH,
              "judgments_method": method, "no_ndcg": undefined,
              "timings_s": {k: round(v, 2) for k, v in timings.items()},
              "summary": summary, "per_query": per_query}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nsaved {RESULTS.relative_to(ROOT)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("command", nargs="?", choices=["report", "pool"], default="report")
    parser.add_argument("--out", type=Path, default=DEFAULT_POOL, help="the pool file (pool only)")
    args = parser.parse_args(argv)
    if not GUTENBERG.exists():
        sys.exit(f"{GUTENBERG} is absent: put the shared eval-data folder beside the repository")
    if args.command == "pool":
        pool(args.out)
    else:
        report()


if __name__ == "__main__":
    main()
