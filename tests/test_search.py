"""search_products: matching across inflection and language, filters, rerank, funnel warnings."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.core.errors import SearchError
from toolkit.shop import search as search_module
from toolkit.shop.search import SearchFilters, _diversify, _Ranked, budget_fit, search_products


def categories(result) -> set[str]:
    return {p.category for p in result.products}


@pytest.mark.parametrize("query", ["raamatud", "raamatut", "raamatule", "raamatuid"])
def test_estonian_inflections_find_books(catalog, query):
    result = search_products(catalog, query)
    assert result.products and all(p.product_type == "Raamatud" for p in result.products)


@pytest.mark.parametrize("query", ["krimiromaanid", "krimi", "crime novels", "detective stories"])
def test_compounds_and_other_language_find_the_category(catalog, query):
    found = [p.category for p in search_products(catalog, query).products[:5]]
    # One other book may come among them: "Kuritöö ja karistus" (Crime and Punishment, shelved
    # under Estonian classics) is a fair answer to "krimiromaanid".
    assert found[:2] == ["Krimi"] * 2 and found.count("Krimi") >= 4, found


def test_query_without_diacritics_matches(catalog):
    with_marks = search_products(catalog, "küünlad").products
    without = search_products(catalog, "kuunlad").products
    assert with_marks and [p.id for p in with_marks] == [p.id for p in without]


def test_budget_filters_are_inclusive_and_respected(catalog):
    result = search_products(catalog, "luule", SearchFilters(min_price=10, max_price=20))
    assert result.products and all(10 <= p.price <= 20 for p in result.products)


def test_product_type_category_and_author_filters(catalog):
    only_mugs = search_products(catalog, "kingitus", {"categories": "kruusid"})
    assert only_mugs.products and categories(only_mugs) == {"Kruusid"}
    games = search_products(catalog, "", SearchFilters(product_types=["Lauamängud"]))
    assert {p.product_type for p in games.products} == {"Lauamängud"}
    kross = search_products(catalog, "raamat", SearchFilters(authors=["kross"]))
    assert kross.products and {p.author for p in kross.products} == {"Jaan Kross"}


def test_age_filter_keeps_products_for_that_age(catalog):
    result = search_products(catalog, "raamat", SearchFilters(age=6), limit=30)
    assert result.products
    for p in result.products:
        assert (p.age_min is None or p.age_min <= 6) and (p.age_max is None or p.age_max >= 6)


def test_excluded_ids_never_come_back(catalog):
    first = search_products(catalog, "fantaasia", limit=5)
    shown = [p.id for p in first.products]
    second = search_products(catalog, "fantaasia", SearchFilters(exclude_ids=shown), limit=5)
    assert second.products and not set(shown) & {p.id for p in second.products}


def test_price_sort_gives_the_cheapest_first(catalog):
    result = search_products(catalog, "krimi", sort="price_asc", limit=10)
    prices = [p.price for p in result.products]
    assert prices == sorted(prices)
    with catalog.cursor() as cur:
        cheapest = cur.execute("SELECT min(price) FROM products WHERE category = 'Krimi'").fetchone()[0]
    assert prices[0] == cheapest


def test_hints_widen_the_search_but_weigh_less(catalog):
    plain = search_products(catalog, "Kivirähk")
    hinted = search_products(catalog, "Kivirähk", hints=["lasteraamat"])
    assert plain.products[0].author == "Andrus Kivirähk"
    assert hinted.products[0].author == "Andrus Kivirähk"
    assert hinted.products[0].category == "Lasteraamatud"
    several = search_products(catalog, ["Kivirähk", "lasteraamat"])
    assert several.query == ["Kivirähk", "lasteraamat"]
    assert several.plan[1].weight < several.plan[0].weight


def test_top_three_are_not_one_author_when_others_match(catalog):
    for query in ["fantaasia", "raamat", "krimi", "lasteraamatud", "luule", "classics"]:
        result = search_products(catalog, query)
        assert result.diversity.distinct_authors_top3 >= 2, query
        works = [p.title for p in result.products[:3]]
        assert len(set(works)) == 3, (query, works)


def test_diversity_interleaves_near_equal_matches_but_keeps_a_clear_winner():
    def ranked(author, title, score):
        return _Ranked(0, score, score, author, title)

    shelf = [ranked("a", "a1", 0.90), ranked("a", "a2", 0.89), ranked("a", "a3", 0.88),
             ranked("b", "b1", 0.87), ranked("c", "c1", 0.86)]
    order, demoted = _diversify(shelf, window=10)
    assert [r.author_key for r in order[:3]] != ["a", "a", "a"] and demoted > 0
    clear = [ranked("a", "a1", 0.9), ranked("a", "a2", 0.9), ranked("a", "a3", 0.9),
             ranked("b", "b1", 0.3)]
    assert [r.author_key for r in _diversify(clear, window=10)[0]] == ["a", "a", "a", "b"]


def test_diversity_can_be_switched_off(catalog):
    on = search_products(catalog, "Tammsaare fantaasia")
    off = search_products(catalog, "Tammsaare fantaasia", diversify=False)
    assert [p.score for p in off.products] == sorted((p.score for p in off.products), reverse=True)
    assert {p.id for p in on.products} <= {p.id for p in search_products(
        catalog, "Tammsaare fantaasia", diversify=False, limit=40).products}


def test_popularity_flag_is_kept_and_weighs_in(catalog):
    result = search_products(catalog, "Agatha Christie", limit=10)
    assert any(p.in_popular_list for p in result.products)
    assert result.products[0].in_popular_list


def test_nothing_within_budget_shows_the_closest_marked(catalog):
    result = search_products(catalog, "Sõrmuste isand", SearchFilters(max_price=1))
    assert [w.code for w in result.warnings] == ["none_in_budget"]
    assert result.products and all(p.outside_budget for p in result.products)
    prices = [p.price for p in result.products]
    assert prices == sorted(prices)  # closest to the budget first
    assert all("Sõrmuste" in p.title or "Lord of the Rings" in p.title for p in result.products)


def test_few_within_budget_are_topped_up_and_marked(catalog):
    result = search_products(catalog, "Sõrmuste isand", SearchFilters(max_price=20), limit=5)
    flags = [p.outside_budget for p in result.products]
    if result.warnings:
        assert result.warnings[0].code == "few_in_budget"
        assert flags.index(True) > 0 and all(flags[flags.index(True):])
    assert all(p.price <= 20 for p in result.products if not p.outside_budget)


def test_unknown_words_warn_and_return_nothing(catalog):
    result = search_products(catalog, "xqzvbwk")
    assert result.products == [] and [w.code for w in result.warnings] == ["no_text_match"]


def test_empty_query_browses_by_filters(catalog):
    result = search_products(catalog, "   ", SearchFilters(categories=["Luule"]), limit=5)
    assert len(result.products) == 5 and categories(result) == {"Luule"}


def test_taxonomy_is_relaxed_when_nothing_in_the_category(catalog):
    result = search_products(catalog, "Tammsaare", SearchFilters(categories=["Kruusid"]))
    assert "taxonomy" in result.metrics.relaxations
    assert result.products[0].author == "A. H. Tammsaare"


def test_huge_query_is_cut_with_a_warning(catalog):
    result = search_products(catalog, "krimi " * 20_000)
    assert "query_truncated" in [w.code for w in result.warnings]
    assert result.products


@pytest.mark.parametrize("query", [
    "'; DROP TABLE products; --", "\" OR 1=1 --", "krimi') UNION SELECT * FROM catalog_meta --",
    "<script>alert(1)</script>", "%_%", "\\x00\\", "NULL", "?", "$1",
])
def test_sql_fragments_are_only_text(catalog, query):
    search_products(catalog, query, SearchFilters(categories=[query], authors=[query],
                                                   exclude_ids=[query]))
    assert catalog.info()["products"] >= 3000


@pytest.mark.parametrize("bad, message", [
    ({"max_price": -5}, "max_price"),
    ({"min_price": 30, "max_price": 10}, "above max_price"),
    ({"age": 500}, "age"),
    ({"colour": "red"}, "colour"),
    ({"max_price": "cheap"}, "max_price"),
])
def test_bad_filters_are_clear_errors(catalog, bad, message):
    with pytest.raises(SearchError, match=message):
        search_products(catalog, "krimi", bad)


def test_bad_arguments_are_clear_errors(catalog):
    with pytest.raises(SearchError, match="limit"):
        search_products(catalog, "krimi", limit=0)
    with pytest.raises(SearchError, match="sort"):
        search_products(catalog, "krimi", sort="random")
    with pytest.raises(SearchError, match="strings"):
        search_products(catalog, ["krimi", 5])


def test_budget_fit_prefers_the_upper_part_of_the_budget():
    filters = SearchFilters(max_price=50)
    assert budget_fit(45, filters) == 1.0
    assert budget_fit(5, filters) < budget_fit(25, filters) <= 1.0
    assert budget_fit(60, filters) < 1.0 and budget_fit(500, filters) == 0.0


def test_metrics_account_for_the_work(catalog):
    result = search_products(catalog, "kingitus emale", SearchFilters(max_price=30))
    m = result.metrics
    assert m.total_ms >= m.sql_ms > 0 and m.candidates >= len(result.products)
    assert m.query_words == 2 and m.matched_words == 2 and m.index_terms >= 2


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300), ceiling=st.one_of(st.none(), st.floats(0, 1e6)))
def test_any_text_gives_a_valid_result(catalog, text, ceiling):
    result = search_products(catalog, text, SearchFilters(max_price=ceiling), limit=5)
    assert len(result.products) <= 5
    for p in result.products:
        assert ceiling is None or p.outside_budget or p.price <= ceiling


def test_reading_only_the_rows_that_can_be_shown_changes_no_result(catalog, monkeypatch):
    """Rows are read only for the candidates a rerank could bring into view
    (`_contenders`); without that pruning every candidate's row is read. The pages must be
    the same, for every sort and with and without a budget (which widens the rerank's reach)."""
    queries = [("raamat", {}), ("krimi", {}), ("lauamäng lastele", {"max_price": 30}),
               ("book", {"min_price": 10, "max_price": 25}), ("fantaasia", {}),
               ("kingitus emale", {}), ("classics", {}), ("teddy bear", {"max_price": 20})]
    pruned = [[(p.id, p.score) for p in search_products(catalog, q, f, sort=sort).products]
              for q, f in queries for sort in ("relevance", "price_asc")]
    monkeypatch.setattr(search_module, "_contenders", lambda ranked, keep, slack: ranked)
    whole = [[(p.id, p.score) for p in search_products(catalog, q, f, sort=sort).products]
             for q, f in queries for sort in ("relevance", "price_asc")]
    assert pruned == whole
    assert all(len(page) == 10 for page in whole[:4])
