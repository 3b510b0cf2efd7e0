"""The vocabulary stored at import (`search_vocabulary`, a MARISA trie) is the FTS index's
dictionary, term for term; a catalog without it is read from the index's own tables."""

from __future__ import annotations

import shutil
from pathlib import Path

from toolkit.shop import vocabulary
from toolkit.shop.catalog import Catalog, connect


def _dictionary(catalog: Catalog) -> dict[str, tuple[int, int]]:
    with catalog.cursor() as cur:
        rows = cur.execute("SELECT term, termid, df FROM fts_main_product_terms.dict").fetchall()
    return {term: (termid, df) for term, termid, df in rows}


def test_the_stored_trie_holds_every_term_with_its_id_and_frequency(catalog: Catalog) -> None:
    stored = catalog.vocabulary()
    expected = _dictionary(catalog)
    assert len(stored.terms) == len(expected) > 1000
    assert dict(stored.terms.items()) == expected
    assert "no-such-term" not in stored.terms and 42 not in stored.terms
    with catalog.cursor() as cur:
        assert stored.num_docs == cur.execute("SELECT count(*) FROM products").fetchall()[0][0]


def test_extensions_are_the_terms_a_few_letters_longer(catalog: Catalog) -> None:
    terms = catalog.vocabulary().terms
    prefix = next(t for t in sorted(terms) if len(t) >= 5)[:4]
    found = catalog.vocabulary().extensions(prefix)
    assert found == sorted(t for t in terms if t.startswith(prefix) and 0 < len(t) - 4 <= 3)
    assert all(len(t) > len(prefix) for t in found)


def test_a_catalog_without_the_stored_vocabulary_reads_the_index(catalog: Catalog,
                                                                 tmp_path: Path) -> None:
    copy = tmp_path / "old.duckdb"
    shutil.copy(catalog.path, copy)
    con = connect(copy, read_only=False)
    con.execute("DROP TABLE search_vocabulary")
    con.close()
    with connect(copy) as cur:
        rebuilt = vocabulary.load(cur)
    stored = catalog.vocabulary()
    assert dict(rebuilt.terms.items()) == dict(stored.terms.items())
    assert (rebuilt.num_docs, rebuilt.languages) == (stored.num_docs, stored.languages)
    assert abs(rebuilt.popular_share - stored.popular_share) < 1e-12
