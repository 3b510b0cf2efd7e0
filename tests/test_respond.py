from toolkit.assistant.answer import (
    budget_text,
    chunks,
    clarify_reply,
    display_name,
    preface,
    price_text,
)
from toolkit.assistant.context import Budget, GiftContext


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
