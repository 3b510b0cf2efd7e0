"""The catalog's row cache: a full cache never loses rows a search asked for.

A catalog larger than the cache reads the rows it misses into it and evicts the oldest; a
search whose candidates were partly among those oldest rows must still get every one of them
(it once got fewer, and `search_products` failed on the mismatch)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from toolkit.shop import catalog as catalog_module
from toolkit.shop.catalog import Catalog
from toolkit.shop.search import search_products

CACHE_SIZE = 50  # far below the default catalog's 3,200 rows: read row by row, never whole


@pytest.fixture
def small_cache(catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> Iterator[Catalog]:
    monkeypatch.setattr(catalog_module, "ROW_CACHE_SIZE", CACHE_SIZE)
    catalog.clear_cache()
    yield catalog
    catalog.clear_cache()  # the session's catalog goes back to a cache of the normal size


def test_rows_already_cached_survive_the_eviction_their_misses_cause(small_cache: Catalog) -> None:
    small_cache.products_by_rid([1, 2, 3])
    small_cache.products_by_rid(list(range(10, 10 + CACHE_SIZE - 3)))  # full: 1, 2, 3 oldest
    rows = small_cache.products_by_rid([1, 2, 3, 500, 501])
    assert [r["id"] for r in rows] == [
        r["id"] for r in small_cache.products_by_id([r["id"] for r in rows])]
    assert len(rows) == 5


def test_the_rows_come_back_in_the_order_asked(small_cache: Catalog) -> None:
    small_cache.products_by_rid([7, 8])
    first = small_cache.products_by_rid([900, 7, 901, 8])
    again = small_cache.products_by_rid([900, 7, 901, 8])
    assert [r["id"] for r in first] == [r["id"] for r in again]
    assert len(first) == 4


def test_searches_over_more_rows_than_the_cache_holds_get_full_pages(small_cache: Catalog) -> None:
    for query in ("raamat", "krimi", "kingitus", "book", "lauamäng", "luule", "raamat"):
        result = search_products(small_cache, query, limit=10)
        assert len(result.products) == 10, query
