"""The index's vocabulary in memory: every term's id and document frequency, and the mix of
languages and popularity a search plans with.

A search plans its query against the whole vocabulary (is this lemma in the catalog? which
terms extend this unknown name?) before any SQL runs, so the first search in a process loads
it. Read from the FTS index's `dict` table that took 6-8 ms at 8,000 terms (turning rows into a
Python dict), more than the plain SQL BM25 it is compared with spends on its whole query. So
the import stores it once more, as a MARISA trie (term -> termid, df) in one BLOB of the
`search_vocabulary` table: a first search reads one value and maps it in about a millisecond,
and an unknown word's extensions are a prefix walk of the trie, not a sorted list.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib.metadata import version

import duckdb
from marisa_trie import RecordTrie

# (termid, document frequency), little-endian 32-bit each.
_RECORD = "<ii"
# Part of the index version: a catalog whose vocabulary was stored another way is re-indexed.
FORMAT = f"marisa-trie-{version('marisa-trie')} {_RECORD}"
MIN_LANGUAGE_SHARE = 0.05  # a language with fewer of the products is not one the catalog has


class Terms(Mapping[str, tuple[int, int]]):
    """term -> (termid, document frequency), read from a MARISA trie."""

    def __init__(self, trie: RecordTrie) -> None:
        self._trie = trie

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, int, int]]) -> Terms:
        return cls(RecordTrie(_RECORD, [(term, (termid, df)) for term, termid, df in pairs]))

    @classmethod
    def from_bytes(cls, data: bytes) -> Terms:
        return cls(RecordTrie(_RECORD).frombytes(data))

    def to_bytes(self) -> bytes:
        return bytes(self._trie.tobytes())

    def __getitem__(self, term: str) -> tuple[int, int]:
        found = self._trie.get(term) if isinstance(term, str) else None
        if not found:
            raise KeyError(term)
        termid, df = found[0]
        return termid, df

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and term in self._trie

    def __iter__(self) -> Iterator[str]:
        return iter(self._trie.keys())

    def __len__(self) -> int:
        return len(self._trie)

    def with_prefix(self, prefix: str) -> Iterator[str]:
        return self._trie.iterkeys(prefix)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Vocabulary:
    """The index's terms, the number of products, and the catalog's mix."""

    terms: Terms
    num_docs: int
    # The share of products in each language ("et", "en", ...) and on the popular list: the
    # search widens a query only into languages the catalog has, and weighs popularity only
    # where some products have it and others not.
    languages: dict[str, float] = field(default_factory=dict)
    popular_share: float = 0.0

    def extensions(self, prefix: str, longer_by: int = 3) -> list[str]:
        """Index terms that extend `prefix` by 1 to `longer_by` letters."""
        return sorted(term for term in self.terms.with_prefix(prefix)
                      if 0 < len(term) - len(prefix) <= longer_by)

    def has_language(self, language: str) -> bool:
        return self.languages.get(language, 0.0) >= MIN_LANGUAGE_SHARE

    def idf(self, df: int) -> float:
        return math.log(1 + (self.num_docs - df + 0.5) / (df + 0.5))


def store(cur: duckdb.DuckDBPyConnection) -> None:
    """Write `search_vocabulary` from the FTS index and `products` (part of an import)."""
    vocabulary = _from_index(cur)
    cur.execute("CREATE OR REPLACE TABLE search_vocabulary (terms BLOB, num_docs BIGINT, "
                "languages VARCHAR, popular_share DOUBLE)")
    cur.execute("INSERT INTO search_vocabulary VALUES (?, ?, ?, ?)",
                [vocabulary.terms.to_bytes(), vocabulary.num_docs,
                 json.dumps(vocabulary.languages, sort_keys=True), vocabulary.popular_share])


def load(cur: duckdb.DuckDBPyConnection) -> Vocabulary:
    """The stored vocabulary: one row. A catalog from before it was stored, which could not be
    re-indexed (a read-only file), is read from the index's own tables, more slowly."""
    try:
        row = cur.execute(
            "SELECT terms, num_docs, languages, popular_share FROM search_vocabulary").fetchone()
    except duckdb.CatalogException:
        row = None
    if row is None:
        return _from_index(cur)
    data, num_docs, languages, popular_share = row
    return Vocabulary(Terms.from_bytes(data), num_docs, json.loads(languages), popular_share)


def _from_index(cur: duckdb.DuckDBPyConnection) -> Vocabulary:
    pairs = cur.execute("SELECT term, termid, df FROM fts_main_product_terms.dict").fetchall()
    num_docs = cur.execute("SELECT num_docs FROM fts_main_product_terms.stats").fetchall()[0][0]
    languages, popular_share = _product_mix(cur)
    return Vocabulary(Terms.from_pairs(pairs), num_docs, languages, popular_share)


def _product_mix(cur: duckdb.DuckDBPyConnection) -> tuple[dict[str, float], float]:
    """The share of products in each language, and the share on the popular list."""
    mix = cur.execute(
        "SELECT coalesce(language, ''), count(*), count(*) FILTER (in_popular_list) "
        "FROM products GROUP BY ALL").fetchall()
    total = sum(n for _, n, _ in mix) or 1
    return ({lang: n / total for lang, n, _ in mix},
            sum(popular for _, _, popular in mix) / total)
