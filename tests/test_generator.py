"""The default catalog: made by data/generate_catalog.py, deterministic, and rich enough."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from toolkit.core.settings import DEFAULT_CATALOG_FILE
from toolkit.shop.search import SearchFilters, search_products

GENERATOR = Path(__file__).resolve().parent.parent / "data" / "generate_catalog.py"


def _generator():
    spec = importlib.util.spec_from_file_location("generate_catalog", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generator_is_deterministic_and_the_committed_file_is_its_output():
    gen = _generator()
    first, second = gen.generate(), gen.generate()
    assert first.equals(second)
    assert pq.read_table(DEFAULT_CATALOG_FILE).equals(first), (
        "data/catalog.parquet is stale: run `python data/generate_catalog.py`")


def test_generator_makes_n_rows_with_unique_ids():
    table = _generator().generate(rows=10_000)
    assert table.num_rows == 10_000
    assert len(set(table.column("id").to_pylist())) == 10_000


def test_default_catalog_is_an_estonian_book_and_gift_shop(catalog):
    info = catalog.info()
    assert info["products"] >= 3000
    assert {"Raamatud", "Kingitused", "Mänguasjad", "Lauamängud", "Kirjatarbed", "Kodukaubad"} <= set(
        info["product_types"])
    assert {"Krimi", "Fantaasia", "Kokaraamatud", "Luule", "Lasteraamatud", "Ajalugu",
            "Romantika", "Teadus", "Kruusid", "Küünlad"} <= set(info["categories"])
    assert set(info["languages"]) == {"et", "en"}
    assert 0 < info["popular"] < info["products"] / 4
    with catalog.cursor() as cur:
        authors = {row[0] for row in cur.execute("SELECT DISTINCT author FROM products").fetchall()}
    assert {"A. H. Tammsaare", "Oskar Luts", "Jaan Kross", "Andrus Kivirähk",
            "Leelo Tungal", "Agatha Christie", "J. R. R. Tolkien"} <= authors


COMMON = ["Krimi", "Fantaasia", "Ulme", "Kokaraamatud", "Luule", "Lasteraamatud",
          "Noorteraamatud", "Ajalugu", "Romantika", "Teadus", "Eesti klassika", "Elulood",
          "Kinkekomplektid"]


@pytest.mark.parametrize("category", COMMON)
def test_any_budget_from_5_to_100_finds_products_in_common_categories(catalog, category):
    for ceiling in range(5, 101):
        result = search_products(catalog, "", SearchFilters(max_price=ceiling, categories=[category]),
                                 limit=3)
        in_budget = [p for p in result.products if not p.outside_budget]
        assert in_budget and all(p.price <= ceiling for p in in_budget), (category, ceiling)
    for low in range(0, 100, 5):  # a 5-euro-wide range anywhere up to 100 also finds something
        filters = SearchFilters(min_price=low, max_price=low + 5, categories=[category])
        result = search_products(catalog, "", filters, limit=1)
        assert result.products and not result.products[0].outside_budget, (category, low)
        assert low <= result.products[0].price <= low + 5
