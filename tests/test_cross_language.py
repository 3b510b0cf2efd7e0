"""One bilingual catalog, two languages of shoppers: a name in one language finds the products
named in the other ("teddy bear" <-> "Kaisukaru"), and the shop's multi-word names match as a
whole, never by one of their words alone."""

from __future__ import annotations

import pytest

from toolkit.shop import lexicon
from toolkit.shop import text as analysis
from toolkit.shop.search import plan_query, search_products


def test_the_default_catalog_is_bilingual(catalog):
    languages = catalog.vocabulary().languages
    assert languages.get("et", 0) >= 0.05 and languages.get("en", 0) >= 0.05, languages


@pytest.mark.parametrize("query, other_language_title", [
    ("teddy bear", "Kaisukaru"),
    ("teddy bears", "Kaisukaru"),
    ("kaisukaru", "Teddy bear"),
    ("kaisukarud", "Teddy bear"),
])
def test_a_name_finds_the_same_product_named_in_the_other_language(catalog, query,
                                                                    other_language_title):
    titles = [p.title for p in search_products(catalog, query, limit=10).products]
    assert any(t.startswith(other_language_title) for t in titles), titles


@pytest.mark.parametrize("query, own_title", [("teddy bear", "Teddy bear"), ("kaisukaru", "Kaisukaru")])
def test_the_users_own_words_still_come_first(catalog, query, own_title):
    top = search_products(catalog, query, limit=3).products
    assert all(p.title.startswith(own_title) for p in top), [p.title for p in top]


def test_a_phrase_translation_does_not_fall_back_to_one_of_its_words(catalog):
    # "kaisukaru" means a teddy bear, not any book with a bear in it.
    titles = [p.title for p in search_products(catalog, "kaisukaru", limit=10).products]
    assert titles and not [t for t in titles if "bear" in t.lower() and "teddy" not in t.lower()]
    plan = plan_query(catalog.vocabulary(), [("kaisukaru", 1.0)])
    assert "bear" not in plan[0].alternatives and "teddibear" in plan[0].alternatives


def test_a_bear_book_ranks_below_the_translated_teddy_bear(catalog):
    products = search_products(catalog, "teddy bear", limit=20).products
    is_teddy = [p.title.startswith(("Teddy bear", "Kaisukaru")) for p in products]
    assert False in is_teddy, [p.title for p in products]  # the catalog has other bears
    first_other = is_teddy.index(False)
    assert first_other >= 6, [p.title for p in products]  # 3 English and the Kaisukaru first


def test_the_index_keeps_the_shops_multi_word_names_as_one_term():
    assert analysis.index_text("Teddy bear Muri", "en").split()[-1] == "teddibear"
    assert "boardgame" in analysis.index_text("Board games for the family", "en").split()
    assert "teddibear" not in analysis.index_text("A bear and a teddy", "en").split()


def test_equivalents_go_both_ways_and_only_for_exact_names():
    assert ("kaisukaru", "et") in lexicon.equivalents("teddy bears", "en")
    assert ("teddy bear", "en") in lexicon.equivalents("kaisukarud", "et")
    assert lexicon.equivalents("bear", "en") == ()
