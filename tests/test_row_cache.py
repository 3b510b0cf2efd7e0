"""The catalog's row cache: a full cache never loses rows a search asked for.

A catalog larger than the cache reads the rows it misses into it and evicts the oldest; a
search whose candidates were partly among those oldest rows must still get every one of them
(it once got fewer, and `search_products` failed on the mismatch). A large catalog reads only
the columns asked for; one that fits in the cache is read whole, in the background, once its
rows are first needed."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

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


@pytest.fixture
def read_by_index(catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> Iterator[Catalog]:
    """The catalog read as a large one is: through the rid index, only the columns asked,
    never whole in the background."""
    monkeypatch.setattr(catalog_module, "SCAN_ROWS_BELOW", 0)
    monkeypatch.setattr(catalog, "hold_rows_in_background", lambda: None)
    catalog.clear_cache()
    yield catalog
    catalog.clear_cache()


def test_a_large_catalog_reads_only_the_columns_asked_then_completes_the_rows(
        read_by_index: Catalog) -> None:
    narrow = read_by_index.products_by_rid([5, 6], ("title", "price"))
    assert all(set(row) == {"title", "price"} for row in narrow)
    whole = read_by_index.products_by_rid([6, 5, 7])
    assert [set(row) for row in whole] == [set(catalog_module.PRODUCT_COLUMNS)] * 3
    assert [r["title"] for r in whole[1::-1]] == [r["title"] for r in narrow]
    # Held whole now: asking for fewer columns again reads nothing and returns the whole rows.
    assert read_by_index.products_by_rid([5], ("price",)) == [whole[1]]


def test_a_small_catalog_reads_whole_rows_in_its_one_scan(small_cache: Catalog) -> None:
    rows = small_cache.products_by_rid([5, 6], ("title",))
    assert [set(row) for row in rows] == [set(catalog_module.PRODUCT_COLUMNS)] * 2


def test_columns_that_are_not_product_columns_are_refused(catalog: Catalog) -> None:
    with pytest.raises(ValueError, match="not product columns"):
        catalog.products_by_rid([1], ("title", "price; DROP TABLE products"))
    for odd in ((), "title"):
        with pytest.raises(ValueError, match="non-empty sequence of names"):
            catalog.products_by_rid([1], odd)


def test_searches_read_through_the_index_find_what_a_scan_finds(
        catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    queries = ("raamat", "krimi kuni 20 eurot", "teddy bear", "Kivirähk", "lauamäng lastele")
    budgets = (None, None, None, None, {"max_price": 15.0})
    sorts = ("relevance", "relevance", "price_asc", "relevance", "relevance")

    def pages() -> list[list]:
        return [search_products(catalog, q, b, sort=s).products
                for q, b, s in zip(queries, budgets, sorts, strict=True)]

    scanned = pages()
    monkeypatch.setattr(catalog_module, "SCAN_ROWS_BELOW", 0)
    monkeypatch.setattr(catalog, "hold_rows_in_background", lambda: None)
    catalog.clear_cache()
    try:
        indexed = pages()
    finally:
        catalog.clear_cache()
    assert indexed == scanned
    assert all(hit.description for page in indexed for hit in page[:3])


def _statements(catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every SQL statement the catalog's cursors run from now on."""
    seen: list[str] = []
    opened = catalog.cursor

    class Counting:
        def __init__(self, cur: object) -> None:
            self._cur = cur

        def execute(self, sql: str, *args: object) -> object:
            seen.append(sql)
            return self._cur.execute(sql, *args)  # type: ignore[attr-defined]

    from contextlib import contextmanager

    @contextmanager
    def counting() -> Iterator[Counting]:
        with opened() as cur:
            yield Counting(cur)

    monkeypatch.setattr(catalog, "cursor", counting)
    return seen


def test_a_small_catalog_is_read_whole_after_its_first_read_and_searches_then_read_no_row(
        catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    catalog.clear_cache()
    search_products(catalog, "raamat")
    assert catalog._filler is not None
    catalog._filler.result(timeout=30)
    statements = _statements(catalog, monkeypatch)
    for query in ("krimi", "lauamäng", "teddy bear", "luule", "kingitus emale"):
        assert search_products(catalog, query).products, query
    assert len(statements) == 5  # one ranking statement each; every row came from memory


def test_forgetting_the_rows_stops_a_background_read_and_nothing_comes_back(
        catalog: Catalog) -> None:
    catalog.clear_cache()
    catalog.hold_rows_in_background()
    filler = catalog._filler
    catalog.clear_cache()
    assert filler is not None and filler.done()
    with catalog._lock:
        assert not catalog._rows


def test_closing_a_catalog_while_it_is_read_whole_waits_for_the_read_to_stop(
        catalog: Catalog, tmp_path: Path) -> None:
    shutil.copy(catalog.path, tmp_path / "copy.duckdb")
    for _ in range(5):
        opened = Catalog.open(tmp_path / "copy.duckdb", seed_default=False)
        opened.hold_rows_in_background()
        filler = opened._filler
        opened.close()
        assert filler is not None and filler.done()


def test_rows_read_while_the_cache_is_forgotten_are_returned_but_not_kept(
        catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    """An import between reading rows and keeping them: the rows were the old file's."""
    catalog.clear_cache()
    opened = catalog.cursor

    from contextlib import contextmanager

    @contextmanager
    def then_forget() -> Iterator[object]:
        with opened() as cur:
            yield cur
        with catalog._lock:
            catalog._forget_rows()  # what an import does, after the rows were fetched

    monkeypatch.setattr(catalog, "cursor", then_forget)
    rows = catalog.products_by_rid([4, 5])
    monkeypatch.undo()
    assert len(rows) == 2 and all(row["title"] for row in rows)
    with catalog._lock:
        assert 4 not in catalog._rows and 5 not in catalog._rows


def test_a_catalog_replaced_mid_search_is_searched_again(
        fresh_catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another import lands between ranking and reading the cards: the rids ranked in the
    old file name other products in the new one (here the same products in reverse order)."""
    reversed_file = tmp_path / "reversed.parquet"
    with fresh_catalog.cursor() as cur:
        cur.execute(f"COPY (SELECT {', '.join(catalog_module.PRODUCT_COLUMNS)} FROM products "
                    f"ORDER BY rid DESC) TO '{reversed_file}' (FORMAT parquet)")
    reads = fresh_catalog.rows_by_rid
    imported: list[bool] = []

    def import_before_the_cards(rids: list[int], columns=catalog_module.PRODUCT_COLUMNS):
        if tuple(columns) == catalog_module.PRODUCT_COLUMNS and not imported:
            imported.append(True)
            fresh_catalog.import_file(reversed_file)
        return reads(rids, columns)

    monkeypatch.setattr(fresh_catalog, "rows_by_rid", import_before_the_cards)
    during = search_products(fresh_catalog, "krimi", {"max_price": 20})
    monkeypatch.undo()
    assert imported
    after = search_products(fresh_catalog, "krimi", {"max_price": 20})
    assert [p.id for p in during.products] == [p.id for p in after.products]
    assert all(p.price <= 20 for p in during.products)
