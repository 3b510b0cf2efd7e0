import pytest

from toolkit.assistant.context import Budget, GiftContext
from toolkit.assistant.routing import route, signals_of


def ctx(**fields) -> GiftContext:
    return GiftContext(**fields)


@pytest.mark.parametrize("context, history, known, decision", [
    (ctx(intent="product_search", confidence=0.9, product_type="Raamatud", explicit_type=True),
     False, 1, "search"),
    (ctx(intent="product_search", confidence=0.75, recipient="mother"), False, 0, "search"),
    (ctx(intent="product_search", confidence=0.4), False, 0, "clarify"),
    (ctx(intent="product_search", confidence=0.4, budget=Budget(max=20)), False, 0, "clarify"),
    (ctx(intent="product_search", confidence=0.4, product_type="Kingitused", explicit_type=True),
     False, 0, "search"),  # the explicit override: "show me gifts"
    (ctx(intent="product_search", confidence=0.4, product_type_hints=["Kingitused"]), False, 0,
     "clarify"),  # the generic gift type is a fallback, not a signal
    (ctx(intent="greeting"), False, 0, "conversational"),
    (ctx(intent="thanks"), True, 0, "conversational"),
    (ctx(intent="question"), False, 0, "conversational"),
    (ctx(intent="product_inquiry"), True, 0, "inquiry"),
    (ctx(intent="show_more_products"), True, 0, "search"),
    (ctx(intent="show_more_products"), False, 0, "clarify"),
    (ctx(intent="cheapest"), True, 0, "search"),
    (ctx(intent="author_search", authors=["Oskar Luts"]), False, 1, "search"),
    (ctx(intent="unknown", confidence=0.3), False, 1, "search"),
    (ctx(intent="unknown", confidence=0.3), False, 0, "conversational"),
])
def test_decision_matrix(context, history, known, decision):
    assert route(context, nonsense=False, has_history=history, known_words=known,
                 gift_type="Kingitused").decision == decision


def test_nonsense_is_refined_whatever_else():
    assert route(ctx(intent="product_search", confidence=0.9, category="Krimi"), nonsense=True,
                 has_history=True, known_words=3).decision == "refine"


def test_signals_report_what_was_found():
    signals = signals_of(ctx(intent="product_search", confidence=0.9, category="Krimi",
                             recipient="mother", budget=Budget(max=10)))
    assert signals["has_category"] and signals["has_recipient"] and signals["has_budget"]
    assert signals["has_product_signals"] and signals["has_gift_context"] and not signals["vague"]
