"""The catalog page driven by AppTest: upload a CSV or Parquet file, see it refused as the CLI
refuses it or previewed, switch this session to it and back; and other processes (the CLI)
reading and re-importing the uploaded catalog while the app has it open."""

from __future__ import annotations

import html
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit_pages import page, start_app

ROOT = Path(__file__).resolve().parent.parent

# Semicolons, prices as an Estonian shop writes them, and a column the catalog does not keep.
GOOD_CSV = (
    "id;title;author;price;category;product_type;language;laoseis\n"
    "UP-1;Udu saladus Kassari rannal;Mari Udumets;12,90 €;Krimi;Raamatud;et;5\n"
    "UP-2;Kadunud majakavaht;Mari Udumets;9,50;Krimi;Raamatud;et;2\n"
    "UP-3;Saarte kokaraamat;Peeter Praad;24,00;Kokaraamatud;Raamatud;et;0\n"
    "UP-4;The Lighthouse Keeper Vanishes;Mari Udumets;14.99;Krimi;Raamatud;en;1\n"
).encode()
UPLOADED_CRIME = {"Udu saladus Kassari rannal", "Kadunud majakavaht",
                  "The Lighthouse Keeper Vanishes"}


def parquet_bytes() -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"id": ["PQ-1", "PQ-2"], "title": ["Hiiumaa mõrvad", "Vormsi vari"],
                      "price": [11.5, 7.25], "category": ["Krimi", "Krimi"],
                      "product_type": ["Raamatud", "Raamatud"]})
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()


@pytest.fixture
def app(tmp_path, monkeypatch) -> AppTest:
    return page(start_app(tmp_path, monkeypatch), "catalog")


def upload(app: AppTest, name: str, data: bytes, mime: str = "text/csv") -> AppTest:
    app.file_uploader(key="catalog_upload").set_value((name, data, mime)).run()
    assert not app.exception, app.exception
    return app


def uploads(app_db: Path) -> list[Path]:
    folder = app_db.parent / "uploads"
    return sorted(folder.glob("*.duckdb")) if folder.exists() else []


def metric(app: AppTest, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


def chat(app: AppTest, message: str) -> str:
    """Send a message on the chat page; the last answer as drawn (its cards' HTML)."""
    page(app, "chat")
    app.chat_input[0].set_value(message).run()
    assert not app.exception, app.exception
    answer = app.chat_message[-1]
    assert answer.name == "assistant"
    return "\n".join(m.value for m in answer.markdown)


def titles(answer: str) -> set[str]:
    """The product titles on the cards of an answer."""
    return {html.unescape(title) for title in
            re.findall(r'<div class="tk-card">(?:(?!<b>).)*<b>([^<]+)</b>', answer, re.S)}


def test_a_good_csv_is_previewed_then_used_by_the_chat(app, tmp_path):
    upload(app, "kevad 2026.csv", GOOD_CSV)
    assert "Imported 4 products from kevad 2026.csv" in app.success[0].value
    assert any("laoseis" in w.value for w in app.warning)  # the column the catalog drops
    assert metric(app, "products") == "4"
    assert metric(app, "languages") == "2" and metric(app, "categories") == "2"
    first = app.dataframe[0].value
    assert list(first["id"]) == ["UP-1", "UP-2", "UP-3", "UP-4"] and first["price"][0] == 12.9
    [made] = uploads(tmp_path / "app.duckdb")
    assert made.name.startswith("kevad-2026-")

    app.button(key="catalog_use").click().run()
    assert not app.exception
    assert app.session_state["catalog_path"] == str(made)
    assert any(made.name in html.unescape(c.value) for c in app.sidebar.caption)
    shown = titles(chat(app, "krimiromaanid"))
    assert shown and shown <= UPLOADED_CRIME


def test_a_good_parquet_is_previewed(app):
    upload(app, "saared.parquet", parquet_bytes(), "application/octet-stream")
    assert "Imported 2 products from saared.parquet" in app.success[0].value
    assert not app.warning
    assert metric(app, "products") == "2"
    assert list(app.dataframe[0].value["title"]) == ["Hiiumaa mõrvad", "Vormsi vari"]


def test_back_to_the_default_catalog(app):
    upload(app, "kevad.csv", GOOD_CSV)
    app.button(key="catalog_use").click().run()
    assert metric(app, "products") == "4"  # the catalog in use: the upload's
    app.button(key="catalog_default").click().run()
    assert not app.exception and "catalog_path" not in app.session_state
    shown = titles(chat(app, "krimiromaanid alla 20 euro"))
    assert shown and not shown & UPLOADED_CRIME


def test_an_earlier_upload_can_be_chosen_again(app, tmp_path):
    upload(app, "kevad.csv", GOOD_CSV)
    upload(app, "saared.parquet", parquet_bytes(), "application/octet-stream")
    app.button(key="catalog_use").click().run()  # the Parquet one
    first = next(p for p in uploads(tmp_path / "app.duckdb") if p.name.startswith("kevad"))
    app.selectbox(key="catalog_earlier").set_value(str(first))
    app.button(key="catalog_use_earlier").click().run()
    assert not app.exception and app.session_state["catalog_path"] == str(first)


# Files the CLI refuses: the page says what the CLI says, line by line, naming the upload.
CLI_REFUSALS = {
    "ragged.csv": b"id,title,price\n1,Raamat,9.90\n2,Teine,5.00,extra\n3,Kolmas\n",
    "missing.csv": b"id;nimi;hind\n1;Raamat;9,90\n",
    "prices.csv": b"id,title,price\n1,A,\"1,299\"\n2,B,tasuta\n3,C,-4\n",
    "empty.csv": b"",
    "header-only.csv": b"id,title,price\n",
    "quotes.csv": b'id,title,price\n1,"A "quoted" word,5\n',
}


@pytest.mark.parametrize("name", sorted(CLI_REFUSALS))
def test_a_refusal_is_the_clis_message_and_leaves_nothing(app, tmp_path, name):
    data = CLI_REFUSALS[name]
    upload(app, name, data)
    assert not app.success and len(app.error) == 1
    shown = html.unescape(app.error[0].value).split("  \n")
    source = tmp_path / name
    source.write_bytes(data)
    cli = subprocess.run(
        [sys.executable, "-m", "toolkit", "catalog", "import", str(source),
         "--db", str(tmp_path / "cli.duckdb")], capture_output=True, text=True, cwd=ROOT)
    assert cli.returncode == 1
    said = [line.strip() for line in cli.stderr.removeprefix("error: ").replace(
        str(source), name).splitlines()]
    assert shown == said
    assert uploads(tmp_path / "app.duckdb") == []  # a refused upload leaves no file
    assert "catalog_path" not in app.session_state


JUNK = {
    "random.csv": (os.urandom(4096), "not text"),
    "workbook.csv": (b"PK\x03\x04" + os.urandom(600), "ZIP archive"),
    "broken.parquet": (b"not parquet at all, just words", "not a Parquet file"),
    "table.csv": (parquet_bytes(), "give it a .parquet name"),
}


@pytest.mark.parametrize("name", sorted(JUNK))
def test_junk_is_refused_with_what_to_do(app, tmp_path, name):
    data, expected = JUNK[name]
    upload(app, name, data)
    assert len(app.error) == 1 and expected in html.unescape(app.error[0].value)
    assert uploads(tmp_path / "app.duckdb") == []


def test_a_file_over_the_upload_limit_is_refused(app, tmp_path, monkeypatch):
    from toolkit.shop import uploads as module

    big = GOOD_CSV + b"".join(b"UP-%d;Raamat %d;;9,90;Krimi;Raamatud;et;1\n" % (i, i)
                              for i in range(5, 40_000))
    assert len(big) > 2**20
    import streamlit as st

    real = st.get_option
    monkeypatch.setattr(st, "get_option", lambda key: 1 if key == "server.maxUploadSize"
                        else real(key))
    upload(app, "big.csv", big)
    message = html.unescape(app.error[0].value)
    assert "the app takes at most 1 MB" in message and "catalog import FILE" in message
    assert uploads(tmp_path / "app.duckdb") == [] and module.MAX_UPLOAD_BYTES > 2**20


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-m", "toolkit", *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_other_processes_read_and_reimport_the_catalog_the_app_holds_open(app, tmp_path):
    upload(app, "kevad.csv", GOOD_CSV)
    app.button(key="catalog_use").click().run()
    shown = titles(chat(app, "krimiromaanid"))  # the app now has the uploaded file open
    assert shown and shown <= UPLOADED_CRIME
    path = app.session_state["catalog_path"]

    search = run_cli("search", "majakavaht", "--db", path)
    assert search.returncode == 0, search.stderr
    assert "Kadunud majakavaht" in search.stdout

    newer = tmp_path / "suvi.csv"
    newer.write_text("id,title,author,price,category,product_type\n"
                     "SU-1,Suvine mõrv Saaremaal,Jaan Jõe,15.90,Krimi,Raamatud\n"
                     "SU-2,Kuu all kadunud,Jaan Jõe,8.90,Krimi,Raamatud\n")
    again = run_cli("catalog", "import", str(newer), "--db", path)
    assert again.returncode == 0, again.stderr  # no lock error: the app only reads
    assert "lock" not in again.stderr.lower()

    shown = titles(chat(app, "krimiromaanid"))  # the app moved to the new file on its next query
    assert shown and shown <= {"Suvine mõrv Saaremaal", "Kuu all kadunud"}
    search = run_cli("search", "mõrv", "--db", path)
    assert search.returncode == 0 and "Suvine mõrv Saaremaal" in search.stdout


@pytest.mark.parametrize("damage", ["removed", "overwritten"])
def test_a_chosen_catalog_that_goes_bad_sends_the_session_back_to_the_default(app, damage):
    upload(app, "kevad.csv", GOOD_CSV)
    app.button(key="catalog_use").click().run()
    path = Path(app.session_state["catalog_path"])
    path.unlink()
    if damage == "overwritten":
        path.write_bytes(b"not a DuckDB file " * 100)
    app.run()
    assert not app.exception and "catalog_path" not in app.session_state
    assert any("back to the default catalog" in html.unescape(w.value)
               for w in app.sidebar.warning)
    in_use = [m.value for m in app.metric if m.label == "products"][-1]
    assert in_use != "4"  # the default catalog is in use again
    shown = titles(chat(app, "krimiromaanid"))
    assert shown and not shown & UPLOADED_CRIME


def test_an_unexpected_failure_is_a_friendly_message(app, monkeypatch):
    import toolkit.shop.uploads

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(toolkit.shop.uploads, "import_upload", full_disk)
    upload(app, "kevad.csv", GOOD_CSV)
    assert len(app.error) == 1 and "please try again" in html.unescape(app.error[0].value)
    assert "catalog_path" not in app.session_state
