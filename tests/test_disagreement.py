"""A simulated model that does not always read a message as the rules do, and what the
parallel orchestrator's speculation then does: kept, replaced, cancelled (each path's events)."""

from __future__ import annotations

import asyncio
import json
import random

import pytest
from protocol import assert_protocol

from toolkit.assistant import Assistant
from toolkit.assistant.disagreement import KINDS, context_misreading, other_budget, other_category
from toolkit.assistant.model_steps import ContextExtraction
from toolkit.core.settings import AssistantSettings, ModelSettings
from toolkit.llm import Message, ModelRequest, OfflineBackend, Selection, SimulatedBackend
from toolkit.llm.backends import select_backend
from toolkit.shop.taxonomy import Taxonomy

SETTINGS = AssistantSettings(persist_memory=False, turn_timeout_ms=8000)
SEARCH = "krimiromaanid alla 20 euro"  # the rules are sure: a skeleton and a speculative search


def simulated(catalog, disagreement: float = 0.0, seed: int = 1) -> tuple[Assistant, SimulatedBackend]:
    offline = OfflineBackend()
    backend = SimulatedBackend(offline, "groq-llama3-8b", time_scale=0.02, seed=seed,
                               disagreement=disagreement)
    assistant = Assistant(catalog, settings=SETTINGS, model_settings=ModelSettings(),
                          selection=Selection(backend, offline, "test"))
    return assistant, backend


def run(assistant: Assistant, message: str, conversation: str, mode: str = "parallel"):
    result = asyncio.run(assistant.stream(message, conversation, mode=mode).result())
    assert_protocol(result.events)
    return result


def kinds(result) -> list[str]:
    return [e.type for e in result.events]


def rewrite(**fields):
    """A misreading that always answers these fields."""
    def misread(answer: str, rng: random.Random) -> str:
        return json.dumps({**json.loads(answer), **fields})
    return misread


# -- the simulated backend decides, reproducibly, which calls it misreads ---------------------


def request(message: str, task: str = "gift_context") -> ModelRequest:
    return ModelRequest(task=task, messages=[Message(role="user", content=message)])


def test_which_calls_disagree_follows_the_seed_and_the_message_alone():
    def backend(seed: int, rate: float) -> SimulatedBackend:
        b = SimulatedBackend(OfflineBackend(), "groq-llama3-8b", seed=seed, disagreement=rate)
        b.misread("gift_context", rewrite())
        return b

    messages = [f"message {i}" for i in range(400)]
    first = [backend(5, 0.2).disagrees(request(m)) for m in messages]
    assert first == [backend(5, 0.2).disagrees(request(m)) for m in messages]  # reproducible
    assert 0.12 < sum(first) / len(first) < 0.28  # about the rate
    assert first != [backend(6, 0.2).disagrees(request(m)) for m in messages]  # the seed counts
    assert not any(backend(5, 0.0).disagrees(request(m)) for m in messages)
    assert all(backend(5, 1.0).disagrees(request(m)) for m in messages)
    assert not backend(5, 1.0).disagrees(request("x", task="answer"))  # no misreading: agrees


def test_a_disagreement_rate_outside_0_to_1_is_refused():
    with pytest.raises(ValueError, match="share"):
        SimulatedBackend(OfflineBackend(), "groq-llama3-8b", disagreement=1.5)


def test_the_setting_reaches_the_simulated_backend(monkeypatch):
    monkeypatch.setenv("SIMULATED_DISAGREEMENT", "0.2")
    settings = ModelSettings.from_env()
    assert settings.simulated_disagreement == 0.2
    selection = asyncio.run(select_backend("simulated", settings))
    assert isinstance(selection.backend, SimulatedBackend)
    assert selection.backend.disagreement == 0.2


# -- how the context is misread ----------------------------------------------------------------


class Picks(random.Random):
    """A generator whose first choice is the given one (a kind of misreading, a factor)."""

    def __init__(self, kind: object) -> None:
        super().__init__(0)
        self.kind: object | None = kind

    def choice(self, seq):  # type: ignore[override]
        if self.kind is not None:
            kind, self.kind = self.kind, None
            return kind
        return super().choice(seq)


@pytest.fixture(scope="module")
def taxonomy(catalog) -> Taxonomy:
    return Taxonomy.from_catalog(catalog)


def rules_answer(**fields) -> str:
    return ContextExtraction(intent="product_search", confidence=0.9,
                             **fields).model_dump_json()


def test_each_kind_of_misreading_changes_what_a_model_would(taxonomy):
    misread = context_misreading(taxonomy)
    answer = rules_answer(product_type="Raamatud", category="Krimi", budget_max=20)
    by_kind = {kind: ContextExtraction.model_validate_json(misread(answer, Picks(kind)))
               for kind in KINDS}
    other = by_kind["category"].category
    assert other not in (None, "Krimi") and "Raamatud" in taxonomy.types_of_category[other]
    assert by_kind["budget"].budget_max in (10.0, 40.0)
    assert by_kind["conversational"].intent == "question"
    assert by_kind["conversational"].category is None


def test_a_budget_is_misread_even_where_none_was_said():
    read = other_budget(ContextExtraction(intent="product_search"), random.Random(1))
    assert read.budget_max is not None
    halved = other_budget(ContextExtraction(intent="product_search", budget_min=15,
                                            budget_max=20), Picks(0.5))
    assert halved.budget_max == 10 and halved.budget_min is None  # never a floor over the ceiling


def test_without_a_neighbouring_shelf_the_budget_is_misread_instead(taxonomy):
    only = Taxonomy(product_types=[], categories=[], types_of_category={"Krimi": {"Raamatud"}},
                    authors={}, book_type=None, gift_type=None, category_sizes={"Krimi": 9})
    assert other_category(only, ContextExtraction(category="Krimi"), random.Random(0)) is None
    answer = rules_answer(category="Krimi", budget_max=20)
    read = ContextExtraction.model_validate_json(context_misreading(only)(answer, Picks("category")))
    assert read.category == "Krimi" and read.budget_max != 20


def test_a_greeting_is_never_misread(taxonomy):
    answer = ContextExtraction(intent="greeting", confidence=0.95).model_dump_json()
    assert context_misreading(taxonomy)(answer, Picks("category")) == answer


# -- the three paths of the speculation, by their events ------------------------------------------


def test_kept_when_the_model_agrees(catalog, conversation):
    assistant, backend = simulated(catalog, disagreement=0.0)
    result = run(assistant, SEARCH, conversation)
    types = kinds(result)
    assert types[0] == "skeleton" and types.index("skeleton") < types.index("intent")
    intent = result.intent
    assert intent.speculation == "kept" and intent.revisions == [] and intent.revised_from is None
    products = [e for e in result.events if e.type == "products"]
    assert [e.metadata.stage for e in products] == ["early", "final"]
    assert result.timing.speculation.startswith("kept") and backend.misread_calls == 0


def test_replaced_when_the_model_reads_another_category(catalog, conversation):
    assistant, backend = simulated(catalog, disagreement=1.0)
    backend.misread("gift_context", rewrite(category="Luule", product_type="Raamatud"))
    result = run(assistant, SEARCH, conversation)
    types = kinds(result)
    assert types[0] == "skeleton"
    intent = result.intent
    assert intent.decision == "search" and intent.speculation == "replaced"
    assert intent.revised_from is None  # still a search: the skeleton stands
    assert "category: Krimi -> Luule" in intent.revisions
    assert intent.context.category == "Luule"
    # Every card comes from the model's search, after the revised intent; none from the
    # speculative one.
    products = [e for e in result.events if e.type == "products"]
    assert products and types.index("products") > types.index("intent")
    assert all(p.category == "Luule" for e in products for p in e.products)
    assert all(e.metadata.context.category == "Luule" for e in products)
    assert result.timing.speculation.startswith("replaced")
    assert not any("cancelled" in f for f in result.timing.fallbacks)  # dropped, not failed


def test_replaced_when_the_model_reads_another_budget(catalog, conversation):
    assistant, backend = simulated(catalog, disagreement=1.0)
    backend.misread("gift_context", rewrite(budget_max=10))
    result = run(assistant, SEARCH, conversation)
    assert result.intent.speculation == "replaced"
    assert "budget: <= 20 -> <= 10" in result.intent.revisions
    assert result.products and all(p.price <= 10 or p.outside_budget for p in result.products)


def test_cancelled_when_the_model_reads_no_search(catalog, conversation):
    assistant, backend = simulated(catalog, disagreement=1.0)
    backend.misread("gift_context", rewrite(intent="question", confidence=0.8))
    result = run(assistant, SEARCH, conversation)
    types = kinds(result)
    assert types[0] == "skeleton"  # sent on the rules' word ...
    intent = result.intent
    assert intent.decision == "conversational" and intent.revised_from == "search"  # ... revised
    assert intent.speculation == "cancelled"
    assert "decision: search -> conversational" in intent.revisions
    assert "products" not in types and result.products == []  # no cards for this turn
    assert result.text and types[-3] == "suggestions"
    assert result.timing.speculation.startswith("cancelled")


def test_sequential_has_no_speculation_but_follows_the_model(catalog, conversation):
    assistant, backend = simulated(catalog, disagreement=1.0)
    backend.misread("gift_context", rewrite(intent="question", confidence=0.8))
    result = run(assistant, SEARCH, conversation, mode="sequential")
    assert "skeleton" not in kinds(result) and result.decision == "conversational"
    assert result.intent.speculation is None and result.intent.revised_from is None


def test_the_catalog_misreading_gives_every_path_and_each_keeps_the_protocol(catalog):
    """At a rate of 1 every search is misread, each kind chosen by the seed and the message."""
    assistant, backend = simulated(catalog, disagreement=1.0, seed=7)
    messages = ["krimiromaanid alla 20 euro", "fantasy books for a 12 year old",
                "Tammsaare raamatud", "lauamängud perele 20-40€", "luuletused emale",
                "pusled lastele", "kinkekaart sõbrale", "märkmik alla 10 euro"]
    outcomes = set()
    for i, message in enumerate(messages):
        result = run(assistant, message, f"misread-{i}")
        speculation = result.intent.speculation
        outcomes.add(speculation)
        if speculation == "cancelled":
            assert "products" not in kinds(result) and result.intent.revised_from == "search"
        elif speculation == "replaced":
            assert result.intent.revisions and result.intent.revised_from is None
    assert outcomes >= {"replaced", "cancelled"}
    assert backend.misread_calls >= len(messages) - 1
