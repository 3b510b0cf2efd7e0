"""Importing a user's catalog: good files replace the catalog, bad ones are refused whole."""

from __future__ import annotations

import csv
import hashlib
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from toolkit.core.errors import CatalogImportError
from toolkit.shop import catalog as catalog_module
from toolkit.shop.catalog import Catalog
from toolkit.shop.search import search_products

GOOD_ROWS = [
    {"id": "A1", "title": "Sea Stories", "price": "12.50", "author": "Ann Shore",
     "category": "Fiction", "in_popular_list": "yes"},
    {"id": "A2", "title": "Mountain Poems", "price": "7", "author": "Ben Peak",
     "category": "Poetry", "in_popular_list": "no"},
    {"id": "A3", "title": "Kala ja meri", "price": "19.99", "author": "Mari Meri",
     "category": "Kokaraamatud", "in_popular_list": ""},
]


def write_csv(path: Path, rows: list[dict], columns: list[str] | None = None) -> Path:
    columns = columns or list(rows[0])
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def fingerprint(cat: Catalog) -> str:
    """Everything a refused import must leave alone: products, index and metadata."""
    with cat.cursor() as cur:
        parts = [
            cur.execute("SELECT string_agg(id || title || price, '|' ORDER BY rid) FROM products").fetchone()[0],
            str(cur.execute("SELECT count(*), sum(tf_part) FROM search_postings").fetchone()),
            str(cur.execute("SELECT * FROM catalog_meta ORDER BY key").fetchall()),
        ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def test_csv_import_replaces_the_catalog_and_is_searchable(fresh_catalog, tmp_path):
    report = fresh_catalog.import_file(write_csv(tmp_path / "shop.csv", GOOD_ROWS))
    assert report.rows == 3
    info = fresh_catalog.info()
    assert info["products"] == 3 and info["popular"] == 1
    hits = search_products(fresh_catalog, "poems").products
    assert [h.id for h in hits] == ["A2"]
    assert search_products(fresh_catalog, "krimi").products == []  # the old catalog is gone


def test_parquet_import_with_typed_columns(fresh_catalog, tmp_path):
    table = pa.table({"id": ["x1", "x2"], "title": ["Blue Mug", "Red Candle"],
                      "price": [9.5, 4.0], "in_popular_list": [True, False],
                      "age_min": [3, None]})
    path = tmp_path / "shop.parquet"
    pq.write_table(table, path)
    assert fresh_catalog.import_file(path).rows == 2
    hit = search_products(fresh_catalog, "candle").products[0]
    assert (hit.id, hit.price, hit.in_popular_list) == ("x2", 4.0, False)


def test_column_names_are_matched_loosely_and_extra_columns_reported(fresh_catalog, tmp_path):
    path = tmp_path / "shop.csv"
    path.write_text(" ID ,Title,PRICE,colour\nq1,Green Notebook,3.20,green\n", encoding="utf-8")
    report = fresh_catalog.import_file(path)
    assert report.rows == 1 and report.ignored_columns == ["colour"]


BAD_FILES = {
    "missing price column": ("id,title\n1,Book\n", ["missing required column 'price'"]),
    # Rows are numbered as the file counts them: the header is row 1, the first product row 2.
    "non-numeric price": ("id,title,price\n1,Book,5\n2,Other,abc\n", ["row 3", "'price'", "'abc'"]),
    "negative price": ("id,title,price\n1,Book,-3\n", ["row 2", "'price'", "negative", "-3"]),
    "duplicate id": ("id,title,price\n7,Book,5\n8,Other,6\n7,Third,7\n",
                     ["rows 2, 4: column 'id' repeats the id '7'"]),
    "empty id": ("id,title,price\n,Book,5\n", ["row 2", "'id' is empty"]),
    "empty title": ("id,title,price\n1,,5\n", ["row 2", "'title' is empty"]),
    "bad age": ("id,title,price,age_min\n1,Book,5,old\n", ["row 2", "age_min", "'old'"]),
    "bad popularity flag": ("id,title,price,in_popular_list\n1,Book,5,maybe\n",
                            ["row 2", "in_popular_list", "'maybe'"]),
    "no rows": ("id,title,price\n", ["no product rows"]),
    "infinite price": ("id,title,price\n1,Book,inf\n", ["row 2", "'price'", "inf"]),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_is_refused_with_a_precise_message_and_nothing_changes(fresh_catalog, tmp_path, case):
    text, expected = BAD_FILES[case]
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    before = fingerprint(fresh_catalog)
    with pytest.raises(CatalogImportError) as refused:
        fresh_catalog.import_file(path)
    message = str(refused.value)
    for fragment in expected:
        assert fragment in message, (fragment, message)
    assert "left as it was" in message
    assert fingerprint(fresh_catalog) == before
    assert search_products(fresh_catalog, "krimi").products  # still searchable


@pytest.mark.parametrize("name, content", [
    ("missing.csv", None),
    ("binary.parquet", b"\x00\x01garbage\xff" * 50),
    ("catalog.xlsx", b"PK\x03\x04"),
])
def test_unreadable_files_are_refused(fresh_catalog, tmp_path, name, content):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    before = fingerprint(fresh_catalog)
    with pytest.raises(CatalogImportError, match="cannot read"):
        fresh_catalog.import_file(path)
    assert fingerprint(fresh_catalog) == before


def test_many_bad_rows_give_a_bounded_message(fresh_catalog, tmp_path):
    rows = [{"id": str(i), "title": "T", "price": "x"} for i in range(1000)]
    with pytest.raises(CatalogImportError) as refused:
        fresh_catalog.import_file(write_csv(tmp_path / "bad.csv", rows))
    assert len(refused.value.problems) <= catalog_module.MAX_PROBLEMS + 1
    assert "... and 995 more like the last one" in str(refused.value)


def test_a_failure_while_swapping_rolls_everything_back(fresh_catalog, tmp_path, monkeypatch):
    before = fingerprint(fresh_catalog)

    def broken_index(cur):
        cur.execute("SELECT * FROM no_such_table")

    monkeypatch.setattr(catalog_module, "_build_index", broken_index)
    with pytest.raises(CatalogImportError, match="could not be imported"):
        fresh_catalog.import_file(write_csv(tmp_path / "good.csv", GOOD_ROWS))
    assert fingerprint(fresh_catalog) == before
    assert fresh_catalog.info()["products"] > 3


def test_reimport_survives_a_restart(tmp_path):
    db = tmp_path / "shop.duckdb"
    with Catalog.open(db) as cat:
        cat.import_file(write_csv(tmp_path / "shop.csv", GOOD_ROWS))
    with Catalog.open(db) as cat:
        assert cat.info()["products"] == 3
        assert search_products(cat, "sea").products[0].id == "A1"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "toolkit", *args], capture_output=True, text=True,
                          timeout=120)


def test_cli_import_refusal_exits_non_zero_and_names_the_problem(tmp_path):
    db = tmp_path / "cli.duckdb"
    bad = tmp_path / "bad.csv"
    bad.write_text("id,title,price\n1,Book,free\n", encoding="utf-8")
    assert run_cli("catalog", "info", "--db", str(db)).returncode == 0
    done = run_cli("catalog", "import", str(bad), "--db", str(db))
    assert done.returncode == 1
    assert "row 2" in done.stderr and "'free'" in done.stderr and "Traceback" not in done.stderr
    assert "products  3,200" in run_cli("catalog", "info", "--db", str(db)).stdout


def test_cli_import_then_search(tmp_path):
    db = tmp_path / "cli.duckdb"
    done = run_cli("catalog", "import", str(write_csv(tmp_path / "s.csv", GOOD_ROWS)), "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert "imported 3 products" in done.stdout
    found = run_cli("search", "meri", "--db", str(db))
    assert found.returncode == 0 and "Kala ja meri" in found.stdout
