from toolkit.assistant.answer import (
    budget_text,
    chunks,
    clarify_reply,
    display_name,
    preface,
    price_text,
    product_notes,
)
from toolkit.assistant.context import Budget, GiftContext
from toolkit.shop.search import ProductHit


def test_prices_are_written_the_local_way():
    assert price_text(9.9, "et") == "9,90 €" and price_text(9.9, "en") == "€9.90"
    assert budget_text(Budget(min=10, max=20), "et") == "10,00 € kuni 20,00 €"
    assert budget_text(Budget(max=20), "en") == "up to €20.00"


def test_chunks_reassemble_to_the_text():
    text = "Siin on minu valikud kategooriast „Krimi“ (eelarve kuni 20,00 €)."
    parts = list(chunks(text))
    assert "".join(parts) == text and len(parts) > 1


def test_taxonomy_names_are_translated_for_english_answers():
    assert display_name("Krimi", "en") == "crime"
    assert display_name("Kokaraamatud", "en") == "cookbook"
    assert display_name("Krimi", "et") == "Krimi"
    assert display_name("Unknown Shelf", "en") == "Unknown Shelf"


def test_preface_speaks_to_recipient_occasion_and_budget():
    ctx = GiftContext(intent="product_search", recipient="mother", occasion="birthday",
                      budget=Budget(max=30), language="et")
    assert preface(ctx) == "Siin on minu valikud emale sünnipäevaks (eelarve kuni 30,00 €)."
    ctx.language = "en"
    assert "your mother" in preface(ctx) and "€30.00" in preface(ctx)


def test_clarifying_question_asks_only_what_is_missing():
    text, suggestions = clarify_reply(GiftContext(recipient="mother", language="en"))
    assert "who" not in text and "occasion" in text and "budget" in text and suggestions


def _shelf() -> list[ProductHit]:
    return [ProductHit(id="a", title="Dune", author="Herbert, Frank", price=14.5, category="Ulme"),
            ProductHit(id="b", title="Emma", price=6.0, in_popular_list=True),
            ProductHit(id="c", title="Kevade", price=9.0, in_popular_list=True)]


def test_the_answer_complements_the_cards_instead_of_listing_them():
    products = _shelf()
    en = product_notes(GiftContext(language="en"), products)
    assert en.startswith("My first pick is “Dune” by Frank Herbert.")
    assert "“Emma” is the most affordable." in en  # the one that stands out, by price
    assert "Kevade" not in en  # the third card is not read out again
    assert "Prices run from €6.00 to €14.50." in en
    et = product_notes(GiftContext(language="et"), products)
    assert "„Dune“" in et and "Kõige soodsam on „Emma“." in et and "6,00 € kuni 14,50 €" in et


def test_the_answer_names_a_popular_pick_when_the_first_is_the_cheapest():
    products = sorted(_shelf(), key=lambda p: p.price)
    notes = product_notes(GiftContext(language="en"), products)
    assert notes.startswith("My first pick is “Emma”.")
    assert "“Kevade” is one of our most popular picks." in notes and "Dune" not in notes


def test_a_budget_replaces_the_price_range_and_products_above_it_are_said():
    products = _shelf()
    products[0] = products[0].model_copy(update={"outside_budget": True})
    ctx = GiftContext(language="en", budget=Budget(max=12))
    notes = product_notes(ctx, products)
    assert "Prices run" not in notes and "One of them is just above your budget." in notes
    assert product_notes(ctx, []) == ""
