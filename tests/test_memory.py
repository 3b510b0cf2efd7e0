import pytest

from toolkit.assistant.context import Budget, GiftContext
from toolkit.assistant.memory import ConversationMemory, ConversationState, remember_turn
from toolkit.assistant.routing import carry_over
from toolkit.assistant.search import plan_search
from toolkit.shop.search import ProductHit
from toolkit.shop.taxonomy import Taxonomy

SHOWN = [{"id": "a", "title": "A", "price": 10.0, "author": "X"},
         {"id": "b", "title": "B", "price": 20.0, "author": "Y"},
         {"id": "c", "title": "C", "price": 31.0, "author": "Y"}]
MORE = [{"id": f"m{i}", "title": f"M{i}", "price": 5.0 + i} for i in range(5)]


def state(**fields) -> ConversationState:
    base = dict(last_products=SHOWN, shown_ids=["a", "b", "c"], candidates=MORE,
                last_query="krimi", product_type="Raamatud", category="Krimi")
    return ConversationState(**{**base, **fields})


def test_show_more_is_served_from_memory_while_it_lasts(catalog):
    plan = plan_search(GiftContext(intent="show_more_products"), state())
    assert [p.id for p in plan.from_memory] == [p["id"] for p in MORE]
    exhausted = plan_search(GiftContext(intent="show_more_products"), state(candidates=[]))
    assert exhausted.from_memory is None and set(exhausted.filters.exclude_ids) == {"a", "b", "c"}


def test_cheaper_is_floor_of_70_percent_of_the_average(catalog):
    ctx = GiftContext(intent="cheaper_alternatives")
    ctx = carry_over(ctx, state(), Taxonomy.from_catalog(catalog))
    assert ctx.budget.max == 14.0  # floor(0.7 * 61 / 3) = floor(14.23)
    assert ctx.category == "Krimi" and "category" in ctx.carried
    plan = plan_search(ctx, state())
    assert all(p.price <= 14 for p in plan.from_memory)


def test_cheapest_drops_budget_and_exclusions():
    plan = plan_search(GiftContext(intent="cheapest", budget=Budget(max=5)), state())
    assert plan.sort == "price_asc" and not plan.filters.exclude_ids
    assert plan.filters.max_price is None


def test_gift_search_drops_a_carried_book_only_category(catalog):
    taxonomy = Taxonomy.from_catalog(catalog)
    assert taxonomy.book_only("Krimi") and not taxonomy.book_only("Kruusid")
    ctx = GiftContext(intent="show_more_products", product_type_hints=["Kingitused"])
    ctx = carry_over(ctx, state(product_type="Kingitused"), taxonomy)
    assert ctx.category is None


def test_remember_turn_tracks_authors_and_exclusions():
    memory = ConversationState()
    ctx = GiftContext(intent="author_search", authors=["Oskar Luts"], category="Eesti klassika")
    memory = remember_turn(memory, ctx, query="luts", hints=[],
                           shown=[ProductHit(**p) for p in SHOWN],
                           candidates=[ProductHit(**p) for p in MORE])
    assert memory.last_author == "Oskar Luts" and memory.shown_ids == ["a", "b", "c"]
    assert memory.category == "Eesti klassika" and memory.turns == 1
    assert [p.id for p in memory.candidates] == [p["id"] for p in MORE]


@pytest.mark.parametrize("store", ["sqlite", "memory"])
def test_state_round_trips_through_a_store(tmp_path, store):
    from toolkit.state import open_state

    url = f"sqlite:///{tmp_path / 'state.sqlite'}" if store == "sqlite" else "memory:"
    memory = ConversationMemory(open_state(url))
    saved = state(authors=["Jaan Kross"], budget=Budget(max=25))
    memory.save("c", saved, message="tere", intent="greeting", decision="conversational",
                product_ids=[])
    assert memory.load("c") == saved
    assert memory.load("unknown conversation") == ConversationState()
    memory.forget("c")
    assert memory.load("c") == ConversationState()
