"""The command line: `python -m toolkit COMMAND`. It renders what the core returns, nothing more.

    python -m toolkit catalog info [--db PATH] [--json]
    python -m toolkit catalog import FILE [--db PATH]
    python -m toolkit search "QUERY" [--max-price N] [--min-price N] [--category C] [--json]

Exit codes: 0 done, 1 refused or failed (the message says why), 2 a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from toolkit.catalog import Catalog
from toolkit.errors import ToolkitError
from toolkit.search import SearchFilters, search_products
from toolkit.settings import default_db_path


def _db_option() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--db", type=Path, default=None,
                        help=f"catalog database file (default: {default_db_path()}, or $TOOLKIT_DB)")
    return parent


def build_parser() -> argparse.ArgumentParser:
    db = _db_option()
    parser = argparse.ArgumentParser(prog="python -m toolkit", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    catalog = commands.add_parser("catalog", help="inspect or replace the product catalog")
    catalog_commands = catalog.add_subparsers(dest="catalog_command", required=True)
    info = catalog_commands.add_parser("info", parents=[db], help="what the catalog holds")
    info.add_argument("--json", action="store_true", help="print JSON")
    imp = catalog_commands.add_parser(
        "import", parents=[db],
        help="replace the catalog with a CSV or Parquet file (columns: id, title, price required)")
    imp.add_argument("file", type=Path)

    search = commands.add_parser("search", parents=[db], help="search the catalog")
    search.add_argument("query", help="what to look for, in Estonian or English")
    search.add_argument("--max-price", type=float, help="budget ceiling in EUR")
    search.add_argument("--min-price", type=float, help="budget floor in EUR")
    search.add_argument("--category", action="append", default=[], help="category (repeatable)")
    search.add_argument("--type", dest="product_type", action="append", default=[],
                        help="product type, e.g. Raamatud (repeatable)")
    search.add_argument("--author", action="append", default=[], help="author name or part of it")
    search.add_argument("--age", type=int, help="the reader's or player's age in years")
    search.add_argument("--exclude", action="append", default=[], help="product id to leave out")
    search.add_argument("--sort", choices=["relevance", "price_asc", "price_desc"],
                        default="relevance")
    search.add_argument("--limit", type=int, default=10)
    search.add_argument("--json", action="store_true", help="print the result as JSON")
    return parser


def _print_info(info: dict) -> None:
    print(f"catalog   {info['path']}")
    print(f"source    {info.get('source', '-')} (imported {info.get('imported_at', '-')})")
    print(f"products  {info['products']:,}")
    if not info["products"]:
        return
    print(f"popular   {info['popular']:,}")
    print(f"prices    {info['price_min']:.2f} - {info['price_max']:.2f} EUR")
    print(f"authors   {info['authors']:,}")
    print(f"index     {info['index_terms']:,} terms")
    print("types     " + ", ".join(f"{k} {v}" for k, v in info["product_types"].items()))
    print("languages " + ", ".join(f"{k} {v}" for k, v in info["languages"].items()))
    print(f"categories ({len(info['categories'])})")
    for name, count in info["categories"].items():
        print(f"  {count:6,}  {name}")


def _print_search(result) -> None:
    for warning in result.warnings:
        print(f"! {warning.message}")
    for rank, hit in enumerate(result.products, 1):
        badge = "★" if hit.in_popular_list else " "
        outside = "  (outside budget)" if hit.outside_budget else ""
        author = f" — {hit.author}" if hit.author else ""
        print(f"{rank:3}. {badge} {hit.price:8.2f} €  {hit.title}{author}  "
              f"[{hit.product_type or '-'} / {hit.category or '-'}]  id {hit.id}{outside}")
    m = result.metrics
    print(f"\n{len(result.products)} shown of {m.candidates} candidates · search {m.total_ms:.1f} ms "
          f"(sql {m.sql_ms:.1f} ms, rerank {m.rerank_ms:.1f} ms) · "
          f"{m.matched_words}/{m.query_words} words matched · "
          f"{result.diversity.distinct_authors_top3} authors in the top 3")


def run(args: argparse.Namespace) -> int:
    if args.command == "catalog" and args.catalog_command == "import":
        with Catalog.open(args.db, seed_default=False) as catalog:
            report = catalog.import_file(args.file)
        print(f"imported {report.rows:,} products from {report.path} in {report.seconds:.1f} s "
              f"into {catalog.path}; the previous catalog was replaced")
        if report.ignored_columns:
            print(f"ignored columns: {', '.join(report.ignored_columns)}")
        return 0
    with Catalog.open(args.db) as catalog:
        if args.command == "catalog":
            info = catalog.info()
            print(json.dumps(info, ensure_ascii=False, indent=2)) if args.json else _print_info(info)
            return 0
        filters = SearchFilters.build(
            min_price=args.min_price, max_price=args.max_price, categories=args.category,
            product_types=args.product_type, authors=args.author, age=args.age,
            exclude_ids=args.exclude,
        )
        result = search_products(catalog, args.query, filters, limit=args.limit, sort=args.sort)
        if args.json:
            print(result.model_dump_json(indent=2))
        else:
            _print_search(result)
        return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return run(args)
    except ToolkitError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader (head, less) went away: not an error of ours
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
