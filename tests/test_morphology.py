"""Estonian lemmas from simplemma's dictionary (toolkit.shop.morphology), and a catalog indexed
under another analysis being indexed again when it is opened."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from test_cli_edges import read_only, toolkit  # noqa: F401 (read_only is a fixture)

from toolkit.shop import text as analysis
from toolkit.shop.catalog import Catalog, connect, index_version
from toolkit.shop.morphology import ANALYSER
from toolkit.shop.search import search_products

ROOT = Path(__file__).resolve().parent.parent
FORMS = ROOT / "benchmarks" / "data" / "estonian_forms.json"


def test_the_labelled_forms_meet_on_their_lemma():
    """The benchmark's 293 labelled forms: Snowball put 38 % on their lemma's key, simplemma
    97 %; the index's keys must stay at the lemmatiser's level."""
    groups = json.loads(FORMS.read_text(encoding="utf-8"))["groups"]
    forms = [(form, g["lemma"]) for g in groups for form in g["forms"]]
    on_key = sum(analysis.stem(form, "et") == analysis.stem(lemma, "et") for form, lemma in forms)
    assert on_key / len(forms) >= 0.95, on_key / len(forms)


def _set_index_version(path: str, value: str | None) -> None:
    con = connect(path, read_only=False)
    try:
        con.execute("DELETE FROM catalog_meta WHERE key = 'index_version'")
        if value is not None:
            con.execute("INSERT INTO catalog_meta VALUES ('index_version', ?)", [value])
    finally:
        con.close()


def test_a_catalog_indexed_under_another_analysis_is_indexed_again(fresh_catalog):
    path = fresh_catalog.path
    before = fresh_catalog.info()
    fresh_catalog.close()
    with Catalog.open(path) as catalog:
        assert catalog.stored_index_version() == index_version()
    # An older catalog: Snowball stems where lemmas are now, and no version recorded at all.
    con = connect(path, read_only=False)
    con.execute("UPDATE product_terms SET description = '', title = 'snowball'")
    con.close()
    _set_index_version(path, None)
    with Catalog.open(path) as catalog:
        assert catalog.stored_index_version() == index_version()
        after = catalog.info()
        assert after["products"] == before["products"] and after["source"] == before["source"]
        assert search_products(catalog, "küünlad").products  # "snowball" titles are gone


def test_a_catalog_that_cannot_be_indexed_again_is_still_searched(
        fresh_catalog, read_only):  # noqa: F811 (the fixture imported above)
    folder = Path(fresh_catalog.path).parent
    path = fresh_catalog.path
    fresh_catalog.close()
    _set_index_version(path, "an older analysis")
    read_only(folder)
    done = toolkit("search", "kass", "--db", path, unprivileged=True)  # asserts no traceback
    assert done.returncode == 0 and "kass" in done.stdout.lower(), done.stderr
    assert "could not be indexed again" in done.stderr and "may miss matches" in done.stderr
    con = connect(path)  # as it was: nothing written (opening a Catalog here would re-index)
    try:
        assert con.execute("SELECT value FROM catalog_meta WHERE key = 'index_version'"
                           ).fetchall() == [("an older analysis",)]
    finally:
        con.close()


def test_the_dictionary_is_kept_where_toolkit_cache_says(tmp_path):
    cache = tmp_path / "cache"
    code = "from toolkit.shop import text; print(text.stem('küünaldega', 'et'))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "TOOLKIT_CACHE": str(cache)})
    assert done.returncode == 0 and done.stdout.strip() == "kuunal", done.stderr
    assert [p.name for p in cache.iterdir()] == [ANALYSER]  # a new version builds its own
    assert [p.name for p in (cache / ANALYSER).iterdir()] == ["et.dic"]  # nothing half-built
