"""What the catalog page stands on: a catalog's summary, an import's warnings, and uploads
checked, imported into files of their own and listed (toolkit.shop.uploads)."""

from __future__ import annotations

import codecs
import os
import time

import pytest

from toolkit.core.errors import CatalogImportError
from toolkit.shop.catalog import Catalog, ImportReport, import_warnings, summarize
from toolkit.shop.uploads import (
    MAX_UPLOAD_BYTES,
    import_upload,
    upload_problem,
    uploaded_catalogs,
    uploads_folder,
)

CSV = ("id,title,author,price,category,language,varu\n"
       "B-2,Öine rong,Ülle Õun,12.50,Krimi,et,3\n"
       "B-1,Night Train,Ülle Õun,14.00,Krimi,en,1\n"
       "B-3,Päikeseloojang,Ants Ader,9.90,Luule,et,0\n").encode()


def test_a_summary_counts_and_shows_the_first_rows_in_file_order(tmp_path):
    source = tmp_path / "c.csv"
    source.write_bytes(CSV)
    with Catalog.open(tmp_path / "c.duckdb", seed_default=False) as catalog:
        assert summarize(catalog).products == 0  # empty: nothing to count, no error
        catalog.import_file(source, source="a test")
        summary = summarize(catalog, rows=2)
    assert summary.products == 3 and summary.source == "a test" and summary.imported_at
    assert summary.languages == {"et": 2, "en": 1}
    assert summary.categories == {"Krimi": 2, "Luule": 1}
    assert [row["id"] for row in summary.first_rows] == ["B-2", "B-1"]  # the file's order
    assert summary.first_rows[0]["price"] == 12.5 and summary.first_rows[0]["author"] == "Ülle Õun"


def report(**fields: object) -> ImportReport:
    base: dict = {"path": "x.csv", "rows": 1, "ignored_columns": [], "seconds": 0.1,
                  "encoding": "utf-8", "delimiter": ","}
    return ImportReport(**{**base, **fields})


def test_import_warnings_name_a_guessed_code_page_and_dropped_columns():
    assert import_warnings(report()) == []
    assert import_warnings(report(encoding=None, delimiter=None)) == []  # Parquet
    assert import_warnings(report(encoding="utf-16")) == []  # named by its byte-order mark
    [guessed] = import_warnings(report(encoding="cp1257"))
    assert "Baltic (cp1257)" in guessed and "CSV UTF-8" in guessed
    [dropped] = import_warnings(report(ignored_columns=["varu", "ladu"]))
    assert dropped.startswith("ignored columns varu, ladu:")
    assert len(import_warnings(report(encoding="cp1252", ignored_columns=["a"]))) == 2


@pytest.mark.parametrize(("name", "data", "expected"), [
    ("a.csv", b"PK\x03\x04" + bytes(100), "ZIP archive"),
    ("a.csv", b"\xd0\xcf\x11\xe0" + bytes(100), ".xls workbook"),
    ("a.csv", b"\x1f\x8b\x08" + bytes(100), "gzip"),
    ("a.parquet", b"%PDF-1.7 ...", "PDF"),
    ("a.csv", b"SQLite format 3\x00" + bytes(100), "SQLite"),
    ("a.parquet", b"id,title,price\n1,A,2\n", "not a Parquet file"),
    ("a.csv", b"PAR1" + bytes(100) + b"PAR1", "give it a .parquet name"),
    ("a.csv", bytes(range(256)) * 20, "not text"),
    ("a.csv", "id,title,price\n1,A,2\n".encode("utf-16-le"), "not text"),  # no byte-order mark
])
def test_junk_is_named_with_what_to_do(name, data, expected):
    problem = upload_problem(name, data)
    assert problem is not None and expected in problem


@pytest.mark.parametrize(("name", "data"), [
    ("a.csv", CSV),
    ("a.CSV", CSV),
    ("a.tsv", CSV.replace(b",", b"\t")),
    ("a.csv", codecs.BOM_UTF16_LE + "id,title,price\n1,Õun,2\n".encode("utf-16-le")),
    ("a.csv", "id;title;price\n1;Õun;2\n".encode("cp1257")),
    ("a.csv", CSV.replace(b"Krimi", b"Kri\x00mi")),  # a stray NUL from a broken export
    ("a.csv", b""),  # empty, and an unknown suffix: left to the import, refused as the CLI does
    ("a.xlsx", b"PK\x03\x04"),
])
def test_text_and_what_the_import_refuses_itself_pass_the_check(name, data):
    assert upload_problem(name, data) is None


def test_a_file_over_the_limit_is_refused_with_the_cli_as_the_way_out():
    problem = upload_problem("a.csv", CSV, max_bytes=100)
    assert problem is not None and f"the file is {len(CSV)} bytes" in problem
    assert "at most 100 bytes" in problem and "catalog import FILE" in problem
    problem = upload_problem("a.csv", CSV * 20_000, max_bytes=2**20)
    size = f"{len(CSV) * 20_000 / 2**20:.1f} MB"
    assert problem is not None and f"the file is {size} and the app takes at most 1 MB" in problem
    assert upload_problem("a.csv", CSV * 1000, max_bytes=2**20) is None
    assert MAX_UPLOAD_BYTES == 200 * 2**20


def test_an_upload_becomes_a_catalog_of_its_own(tmp_path):
    default = tmp_path / "shop.duckdb"
    folder = uploads_folder(default)
    assert folder == tmp_path / "uploads"
    with Catalog.open(default) as catalog:
        before = catalog.info()["products"]
        uploaded = import_upload("Sügis 2026 (final).csv", CSV, folder)
        assert catalog.info()["products"] == before  # the default catalog is not touched
    assert uploaded.path.parent == folder and uploaded.path.name.startswith("sugis-2026-final-")
    assert uploaded.report.path == "Sügis 2026 (final).csv" and uploaded.report.rows == 3
    assert uploaded.warnings == import_warnings(uploaded.report)
    assert any("varu" in w for w in uploaded.warnings)
    with Catalog.open(uploaded.path) as catalog:
        assert summarize(catalog).source == "upload: Sügis 2026 (final).csv"
    assert sorted(p.name for p in folder.iterdir()) == [uploaded.path.name]  # no leftovers


def test_the_same_upload_twice_makes_two_files(tmp_path):
    first = import_upload("a.csv", CSV, tmp_path)
    second = import_upload("a.csv", CSV, tmp_path)
    assert first.path != second.path and first.path.exists() and second.path.exists()


def test_a_refusal_names_the_upload_and_leaves_no_file(tmp_path):
    with pytest.raises(CatalogImportError) as refused:
        import_upload("hinnad.csv", b"id,title,price\n1,A,tasuta\n", tmp_path / "up")
    message = str(refused.value)
    assert message.startswith("hinnad.csv was refused\n")
    assert "row 2: column 'price' is not a number: 'tasuta'" in message
    assert str(tmp_path) not in message and message.count("The catalog was left as it was.") == 1
    assert refused.value.problems == ["row 2: column 'price' is not a number: 'tasuta'"]
    assert list((tmp_path / "up").iterdir()) == []
    with pytest.raises(CatalogImportError, match="not a Parquet file"):
        import_upload("a.parquet", b"junk", tmp_path / "up")
    with pytest.raises(CatalogImportError, match="the file is empty"):
        import_upload("a.csv", b"", tmp_path / "up")
    assert list((tmp_path / "up").iterdir()) == []


def test_uploaded_catalogs_are_listed_newest_first_without_builds(tmp_path):
    older = import_upload("older.csv", CSV, tmp_path).path
    os.utime(older, (time.time() - 60, time.time() - 60))
    newer = import_upload("newer.csv", CSV, tmp_path).path
    (tmp_path / f".{newer.name}.1-2.building").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("not a catalog")
    assert uploaded_catalogs(tmp_path) == [newer, older]
    assert uploaded_catalogs(tmp_path / "none yet") == []
