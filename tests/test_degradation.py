"""Degrading gracefully: a model that stalls, drips or drops the connection while answering, a
validator that never answers, a turn cut short after its cards, and more turns than the
assistant admits. Real clients against local servers speaking Ollama's and Groq's protocols."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator

import pytest
from fake_servers import Reply, fake_groq, fake_ollama, fake_openai
from protocol import assert_protocol

from toolkit.assistant import Assistant
from toolkit.assistant.answer import closing
from toolkit.assistant.context import GiftContext
from toolkit.assistant.turn import LATE_AFTER_CARDS
from toolkit.core.settings import AssistantSettings, ModelSettings
from toolkit.llm import OfflineBackend, Selection
from toolkit.llm.groq import GroqBackend
from toolkit.llm.ollama import OllamaBackend
from toolkit.llm.openai_compat import OpenAICompatibleBackend
from toolkit.shop.search import ProductHit

# The model's own timeout is the default minute: only the steps' deadlines may end a call.
PATIENT = ModelSettings(max_retries=0)
SETTINGS = AssistantSettings(context_timeout_ms=1500, fast_classifier_timeout_ms=500,
                             turn_timeout_ms=5000, answer_first_token_timeout_ms=1500,
                             answer_stall_timeout_ms=1500)
CONTEXT_CALL = "Extract the shopping context"
ANSWER_CALL = "Write 2-4 sentences"
MODEL_WORDS = "Soovitan soojalt esimest raamatut, sest see on pingeline ja hästi kirjutatud"


FAKES = {"ollama": fake_ollama, "groq": fake_groq, "openai": fake_openai}


def backend_for(kind: str, server):
    if kind == "ollama":
        return OllamaBackend("qwen2:1.5b", host=server.url)
    if kind == "openai":
        return OpenAICompatibleBackend("meta-llama/Llama-3.1-8B-Instruct", server.url + "/v1")
    return GroqBackend("llama-3.1-8b-instant", api_key="gsk_test", base_url=server.url)


def over(catalog, backend, settings: AssistantSettings = SETTINGS) -> Assistant:
    return Assistant(catalog, settings=settings, model_settings=PATIENT,
                     selection=Selection(backend, OfflineBackend(), "test"))


def run(assistant: Assistant, message: str, conversation: str):
    result = asyncio.run(assistant.stream(message, conversation).result())
    assert_protocol(result.events)
    return result


def context_reply() -> Reply:
    return Reply(text=json.dumps({"intent": "product_search", "confidence": 0.9,
                                  "language": "et", "category": "Krimi"}), when=CONTEXT_CALL)


ANSWER_FAULTS = {
    "stall before the first token": Reply(text=MODEL_WORDS, first_token_delay=30.0,
                                          when=ANSWER_CALL),
    "stall mid-answer": Reply(text=MODEL_WORDS, chunks=6, stall_after=3, stall_for=30.0,
                              when=ANSWER_CALL),
    "slow drip, a token a second": Reply(text=MODEL_WORDS, chunks=12, interval=1.0,
                                         when=ANSWER_CALL),
    "connection dropped mid-stream": Reply(text=MODEL_WORDS, chunks=6, cut_after=3,
                                           when=ANSWER_CALL),
}


@pytest.mark.parametrize("kind", list(FAKES))
@pytest.mark.parametrize("fault", list(ANSWER_FAULTS))
def test_an_answer_that_stalls_is_finished_by_the_templates(catalog, conversation, kind, fault):
    with FAKES[kind]() as server:
        server.script(context_reply(), ANSWER_FAULTS[fault])
        started = time.perf_counter()
        result = run(over(catalog, backend_for(kind, server)), "krimiromaanid alla 20 euro",
                     conversation)
        took = time.perf_counter() - started
    assert not result.errors, result.errors
    assert result.decision == "search" and result.products
    assert took < SETTINGS.turn_timeout_ms / 1000
    answer = next(c for c in result.timing.calls if c.task == "answer")
    assert answer.error and answer.fallback and answer.fallback.startswith("templates")
    assert any(f.startswith("answer: templates") for f in result.timing.fallbacks)
    ctx = result.intent.context
    assert result.text.rstrip().endswith(closing(ctx, result.products))
    if fault == "stall before the first token":
        assert "Soovitan" not in result.text
        assert result.products[0].title in result.text  # the whole template answer
    else:  # what the shopper read stays; the rest joins it, the sentence closed
        assert result.text.count("Soovita") == 1  # the model's words, once
        assert "… " in result.text  # the cut sentence closed


def test_rest_of_answer_closes_the_sentence_and_adds_notes_only_when_nothing_was_named():
    from toolkit.assistant.answer import product_notes, rest_of_answer

    ctx = GiftContext(language="en")
    products = [ProductHit(id="a", title="Dune", price=9.0),
                ProductHit(id="b", title="Emma", price=7.5)]
    rest = rest_of_answer(ctx, products, "I would start with Dune, which is")
    assert rest.startswith("… ") and "Dune" not in rest  # the cards show the rest
    assert rest.endswith(closing(ctx, products))
    unnamed = rest_of_answer(ctx, products, "What a lovely idea for a gift")
    assert unnamed == "… " + product_notes(ctx, products) + " " + closing(ctx, products)
    finished = rest_of_answer(ctx, products, "Dune and Emma are both lovely.")
    assert finished == " " + closing(ctx, products)


def test_a_model_that_never_answers_leaves_a_sentence_not_an_apology_from_the_cli(tmp_path):
    """The issue's own probe: a server that takes requests and never answers, the CLI with the
    reference's variables. The cards come, the answer comes from the templates, exit 0."""
    with fake_ollama(models=["qwen2:1.5b"]) as server:
        server.script(Reply(first_token_delay=60.0))
        env = {**os.environ, "TOOLKIT_DB": str(tmp_path / "shop.duckdb"),
               "TOOLKIT_BACKEND": "ollama", "OLLAMA_HOST": server.url,
               "CONTEXT_EXTRACTION_TIMEOUT_MS": "1500", "FAST_CLASSIFIER_TIMEOUT_MS": "500",
               "PARALLEL_ORCHESTRATOR_TIMEOUT": "8000", "ANSWER_FIRST_TOKEN_TIMEOUT_MS": "2000"}
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "toolkit", "chat", "--json",
                               "krimiromaanid alla 20 euro"],
                              env=env, capture_output=True, text=True, timeout=60)
        took = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    types = [e["type"] for e in events]
    assert "products" in types and "error" not in types
    text = "".join(e["delta"] for e in events if e["type"] == "text")
    assert "Vabandust" not in text and "Kas soovid näha veel" in text
    timing = next(e for e in events if e["type"] == "timing")
    assert timing["total_ms"] < 8000 and took < 30
    assert {c["task"] for c in timing["calls"] if c["error"]} >= {"gift_context", "answer"}


@pytest.mark.parametrize("kind", list(FAKES))
def test_a_suspicious_message_with_a_stalled_model_is_judged_by_the_rules(catalog, conversation,
                                                                          kind):
    with FAKES[kind]() as server:
        server.script(Reply(first_token_delay=30.0))
        result = run(over(catalog, backend_for(kind, server)), "ABC123XYZ", conversation)
    offline = run(Assistant(catalog, settings=SETTINGS), "ABC123XYZ", conversation + "-offline")
    assert not result.errors
    assert result.decision == offline.decision == "refine"
    assert any("validate_query" in f for f in result.timing.fallbacks)


class NeverEndingWriter:
    """A writer of the user's own that ignores every deadline after its first words."""

    name = "never-ending"

    async def preface(self, ctx: GiftContext) -> AsyncIterator[str]:
        yield "Siin on valik."

    async def body(self, ctx: GiftContext, products: list[ProductHit]) -> AsyncIterator[str]:
        yield " Esimene on hea."
        await asyncio.sleep(3600)
        yield "never"


def test_a_turn_cut_short_after_its_cards_closes_with_a_sentence_and_keeps_its_memory(
        fresh_catalog, conversation):
    settings = AssistantSettings(turn_timeout_ms=1500)
    assistant = Assistant(fresh_catalog, settings=settings, writer=NeverEndingWriter())
    first = run(assistant, "krimiromaanid", conversation)
    assert first.products and not first.errors
    assert first.text.endswith(LATE_AFTER_CARDS["et"])
    assert any("ended after the cards" in f for f in first.timing.fallbacks)
    more = run(Assistant(fresh_catalog, settings=AssistantSettings(), memory=assistant.memory),
               "näita veel", conversation)
    assert more.decision == "search" and more.products
    assert not {p.id for p in more.products} & {p.id for p in first.products}


def test_past_the_admission_bound_a_turn_is_refused_at_once_and_the_others_finish(
        catalog, conversation):
    from toolkit.llm import SimulatedBackend

    offline = OfflineBackend()
    backend = SimulatedBackend(offline, "groq-llama3-8b", time_scale=0.3, seed=1)
    settings = AssistantSettings(max_turns_in_flight=3)
    assistant = Assistant(catalog, settings=settings, model_settings=ModelSettings(),
                          selection=Selection(backend, offline, "test"))

    async def many() -> list:
        turns = [assistant.stream("krimiromaanid alla 20 euro", f"{conversation}-{i}").result()
                 for i in range(8)]
        return await asyncio.gather(*turns)

    results = asyncio.run(many())
    for result in results:
        assert_protocol(result.events)
    busy = [r for r in results if any(e.type == "error" and e.code == "busy" for e in r.events)]
    served = [r for r in results if r not in busy]
    assert len(served) == 3 and len(busy) == 5
    assert all(r.products and not r.errors for r in served)
    assert all(r.timing.total_ms < 50 for r in busy)  # refused at once, not after a wait
    assert assistant.gate.in_flight == 0
