"""What real shops' exports contain: other encodings, a byte-order mark, semicolons, prices as
people write them, control characters, ragged rows. Each is read, or refused naming row and
column with the catalog left as it was."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_catalog_import import fingerprint

from toolkit.core.errors import CatalogImportError
from toolkit.shop import catalog as catalog_module
from toolkit.shop.catalog import Catalog
from toolkit.shop.search import search_products


@pytest.fixture
def empty_catalog() -> Iterator[Catalog]:
    """A catalog in memory with nothing in it: for imports that are meant to succeed."""
    with Catalog.open(":memory:", seed_default=False) as opened:
        yield opened


def stored(cat: Catalog, column: str) -> dict[str, object]:
    """id -> the value of `column` as the catalog stored it."""
    with cat.cursor() as cur:
        return dict(cur.execute(f"SELECT id, {column} FROM products").fetchall())


def refused(cat: Catalog, path: Path) -> str:
    """Import `path`, expecting a refusal that leaves `cat` as it was; the message."""
    before = fingerprint(cat)
    with pytest.raises(CatalogImportError) as error:
        cat.import_file(path)
    assert fingerprint(cat) == before
    assert "left as it was" in str(error.value)
    return str(error.value)


ESTONIAN_ROWS = ("id;title;price\nE1;Õnne tänav;12,50\nE2;Müürileht;3,00\n"
                 "E3;Šokolaad ja žele;4,99\n")


# -- encodings -------------------------------------------------------------------------------

def test_a_baltic_cp1257_file_is_read_as_cp1257_and_searchable(empty_catalog, tmp_path):
    path = tmp_path / "baltic.csv"
    path.write_bytes(ESTONIAN_ROWS.encode("cp1257"))
    report = empty_catalog.import_file(path)
    assert (report.rows, report.encoding, report.delimiter) == (3, "cp1257", ";")
    assert stored(empty_catalog, "title") == {
        "E1": "Õnne tänav", "E2": "Müürileht", "E3": "Šokolaad ja žele"}
    assert [p.id for p in search_products(empty_catalog, "šokolaad").products] == ["E3"]
    assert [p.id for p in search_products(empty_catalog, "müürileht").products] == ["E2"]


def test_a_western_latin1_file_is_read_as_cp1252(empty_catalog, tmp_path):
    path = tmp_path / "western.csv"
    text = "id,title,price\nW1,Café Müürileht,5\nW2,Õnne tänav,6\n"
    path.write_bytes(text.encode("latin-1"))
    report = empty_catalog.import_file(path)
    assert report.encoding == "cp1252"
    assert stored(empty_catalog, "title") == {"W1": "Café Müürileht", "W2": "Õnne tänav"}
    assert [p.id for p in search_products(empty_catalog, "café").products] == ["W1"]


def test_a_cp1257_file_with_a_western_letter_is_still_baltic(empty_catalog, tmp_path):
    # é is at the same byte in both; š only reads as a letter in cp1257 (as ð in cp1252).
    path = tmp_path / "mixed.csv"
    path.write_bytes("id,title,price\nM1,Café Šokolaad,5\n".encode("cp1257"))
    assert empty_catalog.import_file(path).encoding == "cp1257"
    assert stored(empty_catalog, "title") == {"M1": "Café Šokolaad"}


def test_utf8_with_a_byte_order_mark_keeps_the_id_column(empty_catalog, tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffid,title,price\nB1,Õnne tänav,5\n".encode())
    report = empty_catalog.import_file(path)
    assert (report.rows, report.encoding, report.ignored_columns) == (1, "utf-8-sig", [])
    assert stored(empty_catalog, "title") == {"B1": "Õnne tänav"}


def test_plain_utf8_is_read_as_is(empty_catalog, tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("id,title,price\nU1,Šokolaad,5\n", encoding="utf-8")
    assert empty_catalog.import_file(path).encoding == "utf-8"
    assert stored(empty_catalog, "title") == {"U1": "Šokolaad"}


def test_excel_unicode_text_utf16_with_tabs(empty_catalog, tmp_path):
    path = tmp_path / "excel.txt"
    path.write_bytes("id\ttitle\tprice\r\nX1\tÕnne tänav\t1,99\r\n".encode("utf-16"))
    report = empty_catalog.import_file(path)
    assert (report.encoding, report.delimiter) == ("utf-16", "\t")
    assert stored(empty_catalog, "title") == {"X1": "Õnne tänav"}
    assert stored(empty_catalog, "price") == {"X1": 1.99}


def test_the_original_file_is_not_changed_by_its_conversion(empty_catalog, tmp_path):
    path = tmp_path / "baltic.csv"
    data = ESTONIAN_ROWS.encode("cp1257")
    path.write_bytes(data)
    empty_catalog.import_file(path)
    assert path.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["baltic.csv"]


# -- delimiters and prices -------------------------------------------------------------------

def test_semicolons_with_decimal_commas_and_commas_in_text(empty_catalog, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text('id;title;price\nS1;Raamat, kõvakaaned;1,99\nS2;"Kruus; suur";12.50\n',
                    encoding="utf-8")
    report = empty_catalog.import_file(path)
    assert (report.rows, report.delimiter) == (2, ";")
    assert stored(empty_catalog, "title") == {"S1": "Raamat, kõvakaaned", "S2": "Kruus; suur"}
    assert stored(empty_catalog, "price") == {"S1": 1.99, "S2": 12.5}


PRICES = {  # as shops write them -> what is stored
    "1,99": 1.99, "€5": 5.0, "€ 5": 5.0, "5 €": 5.0, "5€": 5.0, "5,00 EUR": 5.0,
    "EUR 7.10": 7.1, "3 eurot": 3.0, "1 299,00": 1299.0, "1\u00a0299,00": 1299.0,
    "1\u202f299,00": 1299.0,
    "1.299,00": 1299.0, "1,299.00": 1299.0, "1 299": 1299.0, "1.299.000": 1299000.0,
    "12.50": 12.5, "7": 7.0, "0.125": 0.13, "1234,5": 1234.5, " 4,20 ": 4.2, "0": 0.0,
}


def test_prices_as_shops_write_them(empty_catalog, tmp_path):
    path = tmp_path / "prices.csv"
    lines = ["id;title;price"] + [f"P{i};Item {i};{text}" for i, text in enumerate(PRICES)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    empty_catalog.import_file(path)
    prices = stored(empty_catalog, "price")
    assert {text: prices[f"P{i}"] for i, text in enumerate(PRICES)} == PRICES


@pytest.mark.parametrize("price, expected", [
    ("abc", "row 3: column 'price' is not a number: 'abc'"),
    ("-1,50", "row 3: column 'price' is negative: -1,50"),
    ("", "row 3: column 'price' is empty"),
    ("$5", "row 3: column 'price' is not a number: '$5'"),
    ("5,5,5", "row 3: column 'price' is not a number: '5,5,5'"),
    ("1.299", "row 3: column 'price' could be thousands or decimals"),
    ("12,500", "row 3: column 'price' could be thousands or decimals"),
])
def test_an_unreadable_price_names_the_row_as_the_file_counts_it(fresh_catalog, tmp_path,
                                                                  price, expected):
    path = tmp_path / "bad.csv"
    path.write_text(f"id;title;price\nOK;Fine;1,99\nBAD;Broken;{price}\n", encoding="utf-8")
    assert expected in refused(fresh_catalog, path)


def test_many_bad_prices_give_a_few_examples_and_a_summary(fresh_catalog, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("id,title,price\n" + "".join(f"{i},T,x{i}\n" for i in range(50)),
                    encoding="utf-8")
    message = refused(fresh_catalog, path)
    assert "row 2: column 'price' is not a number: 'x0'" in message
    assert "row 6: column 'price' is not a number: 'x4'" in message
    assert "'x5'" not in message
    assert "... and 45 more like the last one" in message


# -- text ------------------------------------------------------------------------------------

def test_nul_and_control_characters_are_not_stored(empty_catalog, tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes(b'id,title,price,description\n'
                     b'N\x001,Ca\x00fe\x01 Mug,5,"Two lines\x0b\nand\ta tab\x7f"\n'
                     b'N2,\x00\x00,5,\n')
    with pytest.raises(CatalogImportError, match="row 3: column 'title' is empty"):
        empty_catalog.import_file(path)
    path.write_bytes(path.read_bytes().replace(b"N2,\x00\x00,", b"N2,Plain,"))
    empty_catalog.import_file(path)
    assert stored(empty_catalog, "title") == {"N1": "Cafe Mug", "N2": "Plain"}
    assert stored(empty_catalog, "description")["N1"] == "Two lines\nand\ta tab"
    assert [p.id for p in search_products(empty_catalog, "cafe mug").products] == ["N1"]


def test_rows_with_nothing_in_them_are_skipped(empty_catalog, tmp_path):
    # Excel writes a row of bare separators for each formatted but empty row.
    path = tmp_path / "trailing.csv"
    path.write_text("id;title;price\nT1;Kruus;5\n;;\nT2;Tass;6\n;;\n; ;\n", encoding="utf-8")
    assert empty_catalog.import_file(path).rows == 2
    with empty_catalog.cursor() as cur:  # rows keep the numbers the file gave them
        assert cur.execute("SELECT id, rid FROM products ORDER BY rid").fetchall() == [
            ("T1", 1), ("T2", 3)]


# -- ragged rows -----------------------------------------------------------------------------

def test_ragged_rows_are_reported_as_ragged(fresh_catalog, tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text('id,title,price\nR1,Fine,5\nR2,"Too, many",6,7\nR3,Too few\nR4,Fine,1\n',
                    encoding="utf-8")
    message = refused(fresh_catalog, path)
    assert "row 3 has 4 fields, the header has 3" in message
    assert "row 4 has 2 fields, the header has 3" in message
    assert "missing required column" not in message


def test_many_ragged_rows_give_a_bounded_message(fresh_catalog, tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("id,title,price\n" + "a,b,1,2\n" * 100, encoding="utf-8")
    message = refused(fresh_catalog, path)
    assert message.count("fields, the header has 3") == catalog_module.MAX_PROBLEMS
    assert "... and 95 more like the last one" in message


def test_a_ragged_row_in_a_converted_file_names_the_users_file(fresh_catalog, tmp_path):
    path = tmp_path / "baltic.csv"
    path.write_bytes("id;title;price\nE1;Õnne tänav;12,50;x\n".encode("cp1257"))
    message = refused(fresh_catalog, path)
    assert f"{path} was refused" in message
    assert "row 2 has 4 fields, the header has 3" in message


def test_a_misquoted_field_names_its_line(fresh_catalog, tmp_path):
    path = tmp_path / "quotes.csv"
    path.write_text('id,title,price\n1,Fine,5\n2,"Kruus" suur,6\n', encoding="utf-8")
    message = refused(fresh_catalog, path)
    assert f"cannot read {path}" in message
    assert "line 3: ',' expected after '\"'" in message
    assert '"a ""quoted"" word"' in message  # how to write it instead


def test_an_empty_file_is_refused_as_empty(fresh_catalog, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert "the file is empty" in refused(fresh_catalog, path)


# -- Parquet ---------------------------------------------------------------------------------

def test_parquet_with_text_prices_and_nul_bytes(empty_catalog, tmp_path):
    path = tmp_path / "shop.parquet"
    pq.write_table(pa.table({"id": ["Q1", "Q2"], "title": ["Õnne\x00 tänav", "Kruus"],
                             "price": ["1,99", "1 299,00 €"]}), path)
    report = empty_catalog.import_file(path)
    assert (report.rows, report.encoding, report.delimiter) == (2, None, None)
    assert stored(empty_catalog, "title") == {"Q1": "Õnne tänav", "Q2": "Kruus"}
    assert stored(empty_catalog, "price") == {"Q1": 1.99, "Q2": 1299.0}


def test_parquet_numeric_prices_are_taken_as_numbers(empty_catalog, tmp_path):
    # A double 1.299 is a number already, not text that could mean thousands.
    path = tmp_path / "shop.parquet"
    pq.write_table(pa.table({"id": ["Q1"], "title": ["Kruus"], "price": [1.299]}), path)
    empty_catalog.import_file(path)
    assert stored(empty_catalog, "price") == {"Q1": 1.3}


def test_parquet_bad_price_names_the_row(fresh_catalog, tmp_path):
    path = tmp_path / "shop.parquet"
    pq.write_table(pa.table({"id": ["Q1", "Q2"], "title": ["A", "B"],
                             "price": ["1,99", "tasuta"]}), path)
    assert "row 2: column 'price' is not a number: 'tasuta'" in refused(fresh_catalog, path)


# -- the command line ------------------------------------------------------------------------

def test_cli_imports_a_baltic_file_and_refuses_a_ragged_one_without_a_traceback(tmp_path):
    db = tmp_path / "cli.duckdb"
    good = tmp_path / "baltic.csv"
    good.write_bytes(ESTONIAN_ROWS.encode("cp1257"))
    run = [sys.executable, "-m", "toolkit", "catalog"]
    done = subprocess.run([*run, "import", str(good), "--db", str(db)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "imported 3 products" in done.stdout
    bad = tmp_path / "ragged.csv"
    bad.write_text("id,title,price\n1,Book,5,extra\n", encoding="utf-8")
    done = subprocess.run([*run, "import", str(bad), "--db", str(db)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1
    assert "row 2 has 4 fields, the header has 3" in done.stderr
    assert "Traceback" not in done.stderr
