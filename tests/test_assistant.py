"""The shop assistant end to end, offline: the reference's decision matrix in both languages,
memory-first follow-ups, the answer, configuration, timeouts and any input at all."""

from __future__ import annotations

import asyncio
import logging
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from protocol import assert_protocol

from toolkit.assistant import Assistant
from toolkit.assistant.answer import price_text
from toolkit.core.errors import SettingsError
from toolkit.core.settings import AssistantSettings, ModelSettings, Settings

MODES = ["parallel", "sequential"]


def turn(assistant: Assistant, message, conversation: str, mode: str | None = None):
    result = asyncio.run(assistant.stream(message, conversation, mode=mode).result())
    assert_protocol(result.events)
    return result


def kinds(result) -> list[str]:
    return [e.type for e in result.events]


# -- the decision matrix ----------------------------------------------------------------------

SPECIFIC = {"et": "krimiromaanid alla 20 euro", "en": "crime novels under €20"}
GIFT = {"et": "kingitus emale sünnipäevaks", "en": "a birthday gift for my mother"}
VAGUE = {"et": "Otsin kingitust", "en": "I'm looking for a gift"}
GREETING = {"et": "Tere!", "en": "Hello!"}
INQUIRY = {"et": "Kas see sobib 10-aastasele?", "en": "Is the first one suitable for a 10 year old?"}
MORE = {"et": "näita veel", "en": "show me more"}
NONSENSE = {"et": "asdfghjkl", "en": "qwerty"}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("language", ["et", "en"])
def test_specific_product_query_searches_with_a_skeleton(assistant, conversation, language, mode):
    result = turn(assistant, SPECIFIC[language], conversation, mode)
    assert result.decision == "search" and result.intent.language == language
    assert "skeleton" in kinds(result) and len(result.products) == 3
    assert all(p.category == "Krimi" and p.price <= 20 for p in result.products)


@pytest.mark.parametrize("language", ["et", "en"])
def test_gift_with_context_searches(assistant, conversation, language):
    result = turn(assistant, GIFT[language], conversation)
    assert result.decision == "search" and "skeleton" in kinds(result) and result.products
    assert result.intent.signals["has_recipient"] and result.intent.signals["has_occasion"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("language", ["et", "en"])
def test_vague_query_gets_a_clarifying_question(assistant, conversation, language, mode):
    result = turn(assistant, VAGUE[language], conversation, mode)
    assert result.decision == "clarify"
    assert "skeleton" not in kinds(result) and "products" not in kinds(result)
    assert result.text.endswith("?") and result.suggestions


@pytest.mark.parametrize("language", ["et", "en"])
def test_greeting_is_conversational(assistant, conversation, language):
    result = turn(assistant, GREETING[language], conversation)
    assert result.decision == "conversational" and result.intent.intent == "greeting"
    assert "skeleton" not in kinds(result) and result.text


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("language", ["et", "en"])
def test_product_inquiry_is_answered_from_memory_without_a_search(assistant, conversation,
                                                                   language, mode):
    first = turn(assistant, SPECIFIC[language], conversation, mode)
    asked = turn(assistant, INQUIRY[language], conversation, mode)
    assert asked.decision == "inquiry"
    assert "skeleton" not in kinds(asked) and "products" not in kinds(asked)
    assert not any(s.name == "search" for s in asked.timing.spans)
    product = first.products[0]
    assert product.title in asked.text and price_text(product.price, language) in asked.text
    assert "10" in asked.text  # it answers the age question from the product's fields


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("language", ["et", "en"])
def test_show_more_never_repeats_what_was_shown(assistant, conversation, language, mode):
    seen: set[str] = set()
    first = turn(assistant, SPECIFIC[language], conversation, mode)
    seen |= {p.id for p in first.products}
    for _ in range(4):  # past what memory holds, into fresh searches
        more = turn(assistant, MORE[language], conversation, mode)
        assert more.decision == "search" and "skeleton" in kinds(more)
        ids = {p.id for p in more.products}
        assert ids and not ids & seen
        assert all(p.category == "Krimi" for p in more.products)
        seen |= ids


@pytest.mark.parametrize("language", ["et", "en"])
def test_nonsense_is_refined_at_once(assistant, conversation, language):
    result = turn(assistant, NONSENSE[language], conversation)
    assert result.decision == "refine" and "skeleton" not in kinds(result)
    assert [s.name for s in result.timing.spans][0] == "validate"
    assert not any(s.name in ("context", "search") for s in result.timing.spans)
    assert result.text and result.suggestions


# -- memory-first follow-ups -------------------------------------------------------------------


def test_cheaper_sets_the_budget_to_70_percent_of_the_average(assistant, conversation):
    first = turn(assistant, "fantaasia", conversation)
    average = sum(p.price for p in first.products) / 3
    cheaper = turn(assistant, "odavamaid", conversation)
    ceiling = int(0.7 * average)
    assert cheaper.intent.context.budget.max == ceiling
    assert cheaper.products and all(p.price <= ceiling for p in cheaper.products)
    assert all(p.category == "Fantaasia" for p in cheaper.products)


def test_cheapest_ignores_exclusions_and_sorts_by_price(assistant, conversation, catalog):
    turn(assistant, "luule", conversation)
    cheapest = turn(assistant, "the cheapest", conversation)
    prices = [p.price for p in cheapest.products]
    assert prices == sorted(prices)
    with catalog.cursor() as cur:
        floor = cur.execute("SELECT min(price) FROM products WHERE category = 'Luule'").fetchone()[0]
    assert prices[0] == floor


def test_author_pronoun_follows_the_conversation(assistant, conversation):
    turn(assistant, "Tammsaare raamatud", conversation)
    theirs = turn(assistant, "tema teosed", conversation)
    assert theirs.intent.intent == "author_search"
    assert {p.author for p in theirs.products} == {"A. H. Tammsaare"}


def test_a_gift_search_drops_a_book_only_category_carried_over(assistant, conversation):
    turn(assistant, "krimiromaanid", conversation)
    gift = turn(assistant, "näita kingitusi alla 15 euro", conversation)
    assert gift.decision == "search" and gift.products
    assert all(p.product_type == "Kingitused" for p in gift.products)


def test_a_budget_alone_refines_the_last_search(assistant, conversation):
    turn(assistant, "lauamängud", conversation)
    refined = turn(assistant, "alla 15 euro", conversation)
    assert refined.decision == "search"
    assert all(p.product_type == "Lauamängud" and p.price <= 15 for p in refined.products)


def test_memory_survives_a_restart(tmp_path):
    db = tmp_path / "shop.duckdb"
    with Assistant.open(db, settings=AssistantSettings()) as first:
        shown = {p.id for p in turn(first, "fantaasia raamatud", "c1").products}
        shown |= {p.id for p in turn(first, "näita veel", "c1").products}
    with Assistant.open(db, settings=AssistantSettings()) as second:
        more = turn(second, "näita veel", "c1")
        assert more.products and not {p.id for p in more.products} & shown
        assert len(second.memory.history("c1")) == 3
        other = turn(second, "näita veel", "another conversation")
        assert other.decision == "clarify"  # nothing was shown in that one


def test_memory_can_live_in_the_process_only(catalog):
    assistant = Assistant(catalog, settings=AssistantSettings(persist_memory=False))
    turn(assistant, "luule", "volatile")
    assert turn(assistant, "näita veel", "volatile").decision == "search"
    assert len(assistant.memory.history("volatile")) == 2
    # Nothing reached the state file beside the catalog: another assistant starts afresh.
    with Assistant(catalog, settings=AssistantSettings()) as persistent:
        assert persistent.memory.history("volatile") == []
        assert turn(persistent, "näita veel", "volatile").decision == "clarify"


# -- the answer ---------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["et", "en"])
def test_answer_complements_the_cards_and_they_come_after_the_opening(assistant,
                                                                      conversation, language):
    message = {"et": "kingitus emale sünnipäevaks alla 30 euro",
               "en": "a birthday gift for my mother under 30 euros"}[language]
    result = turn(assistant, message, conversation)
    assert len(result.products) == 3
    assert result.products[0].title in result.text  # a first pick, said why
    named = [p for p in result.products if p.title in result.text]
    assert len(named) <= 2, "the cards show every product: the answer must not list them again"
    order = kinds(result)
    first_products = order.index("products")
    assert "text" in order[:first_products] and "text" in order[first_products:]
    assert order.index("suggestions") > first_products
    opening = "".join(e.delta for e in result.events[:first_products] if e.type == "text")
    assert ("emale" in opening and "sünnipäevaks" in opening) if language == "et" else (
        "mother" in opening and "birthday" in opening)
    assert ("30,00 €" if language == "et" else "€30.00") in result.text


ENGLISH_TEMPLATE_WORDS = re.compile(r"\b(Here|budget|Would you|picks|options|cheaper)\b")
ESTONIAN_TEMPLATE_WORDS = re.compile(r"\b(Siin|eelarve|Kas soovid|valikud|soodsam)\w*")


@pytest.mark.parametrize("message, language", [
    ("fantaasia raamat alla 25 euro", "et"), ("Tere", "et"), ("Otsin kingitust", "et"),
    ("fantasy books under 25 euros", "en"), ("Hello", "en"), ("I need a gift", "en"),
])
def test_answers_stay_in_one_language(assistant, conversation, message, language):
    result = turn(assistant, message, conversation)
    text = result.text
    for product in result.products:  # titles and authors are the catalog's, not ours
        text = text.replace(product.title, "").replace(product.author or "", "")
    other = ENGLISH_TEMPLATE_WORDS if language == "et" else ESTONIAN_TEMPLATE_WORDS
    assert not other.search(text), text


def test_products_event_carries_the_metadata(assistant, conversation):
    result = turn(assistant, "fantaasia raamat alla 20 euro", conversation)
    event = next(e for e in result.events if e.type == "products")
    wire = event.model_dump(mode="json")  # what `chat --json` prints: the documented keys
    meta = wire["metadata"]
    assert meta["category"] == "Fantaasia" and meta["query"]
    assert meta["search"]["metrics"]["total_ms"] > 0 and "diversity" in meta["search"]
    assert meta["suggestions"] and meta["context"]["budget"]["max"] == 20
    for card in wire["products"]:
        assert {"id", "title", "author", "price", "product_type", "category",
                "in_popular_list"} <= set(card)


def test_budget_that_cannot_be_met_gets_a_safety_preface(assistant, conversation):
    result = turn(assistant, "lauamäng alla 3 euro", conversation)
    event = next(e for e in result.events if e.type == "products")
    assert event.metadata.safety_preface and event.metadata.safety_preface in result.text
    assert all(p.outside_budget for p in event.products)


def test_no_results_give_concrete_suggestions(assistant, conversation):
    result = turn(assistant, "Harry Potter alla 1 euro lauamängud", conversation)
    assert result.decision == "search"
    assert result.text and result.suggestions


def test_timing_has_a_span_for_every_step(assistant, conversation):
    result = turn(assistant, "luule", conversation, "sequential")
    names = [s.name for s in result.timing.spans]
    for step in ("validate", "memory_load", "context", "routing", "search", "products", "answer",
                 "suggestions", "memory_save"):
        assert step in names, names
    timing = result.timing
    assert timing.context_ms is not None and timing.search_ms is not None
    assert timing.products_ms is not None and timing.products_ms <= timing.total_ms
    assert timing.mode == "sequential" and timing.backend == "offline"


def test_parallel_overlaps_the_search_with_the_opening(assistant, conversation):
    result = turn(assistant, "krimiromaanid", conversation, "parallel")
    spans = result.timing.spans
    search = next(s for s in spans if s.name == "search")
    first_answer = next(s for s in spans if s.name == "answer")
    assert first_answer.start_ms < search.end_ms  # the opening streamed before the search ended
    order = kinds(result)
    assert order.index("text") < order.index("products")


# -- configuration, errors, timeouts ------------------------------------------------------------


def test_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("PARALLEL_EXECUTION_ENABLE", "false")
    monkeypatch.setenv("SEARCH_TIMEOUT_MS", "1234")
    monkeypatch.setenv("CONTEXT_EXTRACTION_TIMEOUT_MS", "  ")  # empty: the default stands
    monkeypatch.setenv("PHASE5_CONTEXT_ENABLE", "0")
    monkeypatch.setenv("CHAT_DEBUG_LOGS", "true")
    loaded = AssistantSettings.from_env()
    assert not loaded.parallel and loaded.search_timeout_ms == 1234
    assert loaded.context_timeout_ms == 25_000 and not loaded.persist_memory and loaded.debug
    assert AssistantSettings().turn_timeout_ms == 35_000  # built in code: defaults, no env read
    assert AssistantSettings().fast_classifier_timeout_ms == 4_000
    assert AssistantSettings().parallel


@pytest.mark.parametrize(("variable", "value"), [
    ("SEARCH_TIMEOUT_MS", "abc"), ("CONTEXT_EXTRACTION_TIMEOUT_MS", "-1500"),
    ("PARALLEL_ORCHESTRATOR_TIMEOUT", "0"), ("PARALLEL_EXECUTION_ENABLE", "perhaps"),
])
def test_a_bad_setting_is_refused_naming_the_variable(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=variable) as refused:
        AssistantSettings.from_env()
    assert repr(value) in str(refused.value)


def test_model_settings_keep_the_api_key_secret(monkeypatch):
    monkeypatch.setenv("GROQ_API_KEY", "gsk_live_secret")
    monkeypatch.setenv("MODEL_TIMEOUT_S", "-3")
    with pytest.raises(SettingsError, match="MODEL_TIMEOUT_S"):
        ModelSettings.from_env()
    monkeypatch.setenv("MODEL_TIMEOUT_S", "12")
    settings = Settings.from_env()
    assert settings.model.timeout_s == 12
    assert settings.model.groq_api_key is not None
    assert settings.model.groq_api_key.get_secret_value() == "gsk_live_secret"
    assert "gsk_live_secret" not in repr(settings) + str(settings) + settings.model_dump_json()


def test_parallel_switch_picks_the_orchestrator(catalog, conversation):
    sequential = Assistant(catalog, settings=AssistantSettings(parallel=False))
    assert turn(sequential, "luule", conversation).timing.mode == "sequential"


class _StuckExtractor:
    name = "stuck"

    async def extract(self, message, memory):
        await asyncio.sleep(3600)


class _BrokenExtractor:
    name = "broken"

    async def extract(self, message, memory):
        raise RuntimeError("secret internal detail")


@pytest.mark.parametrize("mode", MODES)
def test_a_stuck_turn_ends_with_an_error_and_done_within_the_timeout(catalog, conversation, mode):
    stuck = Assistant(catalog, settings=AssistantSettings(turn_timeout_ms=300),
                      extractor=_StuckExtractor())
    result = turn(stuck, "krimiromaanid", conversation, mode)
    assert kinds(result)[-3:] == ["error", "timing", "done"]
    assert result.timing.total_ms < 3000
    assert "PARALLEL_ORCHESTRATOR_TIMEOUT" not in result.errors[0]  # generic in production


def test_a_failing_step_is_generic_in_production_and_detailed_in_debug(catalog, conversation):
    production = Assistant(catalog, settings=AssistantSettings(), extractor=_BrokenExtractor())
    result = turn(production, "krimiromaanid", conversation)
    assert result.errors == ["Vabandust, tekkis tehniline viga. Palun proovi uuesti."]
    debug = Assistant(catalog, settings=AssistantSettings(debug=True), extractor=_BrokenExtractor())
    assert "secret internal detail" in turn(debug, "krimiromaanid", conversation).errors[0]


def test_debug_logs_cover_every_step(catalog, conversation, caplog):
    debug = Assistant(catalog, settings=AssistantSettings(debug=True))
    with caplog.at_level(logging.INFO, logger="toolkit.assistant"):
        turn(debug, "krimiromaanid", conversation)
    steps = {record.getMessage().split(" ", 1)[0] for record in caplog.records}
    assert {"validation", "context", "routing", "search", "products", "complete"} <= steps


def test_sync_helper_works_inside_and_outside_a_running_loop(assistant, conversation):
    assert assistant.ask("luule", conversation).decision == "search"

    async def inside_a_loop():
        return assistant.ask("näita veel", conversation)

    assert asyncio.run(inside_a_loop()).decision == "search"


def test_a_turn_can_be_iterated_and_awaited(assistant, conversation):
    async def both():
        events = [e async for e in assistant.stream("luule", conversation)]
        result = await assistant.stream("näita veel", conversation)
        return events, result

    events, result = asyncio.run(both())
    assert events[-1].type == "done" and result.events[-1].type == "done"


@pytest.mark.parametrize("message", [
    "", " ", "x" * 100_000, "\x00\x01\x02", "🎁🎄✨", "'; DROP TABLE products; --",
    "<script>alert('x')</script> raamat", "krimi krimi " * 5000, "Tere! Show me raamatud under 20€",
    None, 12345, b"\xff\xfe bytes",
])
def test_bad_input_gets_a_complete_stream(assistant, conversation, message):
    result = turn(assistant, message, conversation)
    assert not result.errors and result.text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(message=st.text(max_size=400), mode=st.sampled_from(MODES))
def test_any_string_gets_a_complete_stream_without_errors(assistant, message, mode):
    result = turn(assistant, message, "hypothesis", mode)
    assert not result.errors and result.text
