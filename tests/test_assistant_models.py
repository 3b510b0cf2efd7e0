"""The assistant on model backends: simulated latency, and real clients against local servers
that speak Ollama's and Groq's wire protocols, faults included. Every turn completes."""

from __future__ import annotations

import asyncio
import json

import pytest
from fake_servers import Reply, fake_groq, fake_ollama, fake_openai, refused_url
from protocol import assert_protocol

from toolkit.assistant import Assistant
from toolkit.core.settings import AssistantSettings, ModelSettings
from toolkit.llm import OfflineBackend, Selection, SimulatedBackend, select_backend
from toolkit.llm.groq import GroqBackend
from toolkit.llm.ollama import OllamaBackend
from toolkit.llm.openai_compat import OpenAICompatibleBackend

FAST = ModelSettings(timeout_s=1.5, max_retries=1)
SETTINGS = AssistantSettings(context_timeout_ms=1200, fast_classifier_timeout_ms=800,
                             turn_timeout_ms=8000)


def run(assistant: Assistant, message: str, conversation: str, mode: str | None = None):
    result = asyncio.run(assistant.stream(message, conversation, mode=mode).result())
    assert_protocol(result.events)
    return result


def simulated(catalog, scale: float = 0.05) -> Assistant:
    offline = OfflineBackend()
    backend = SimulatedBackend(offline, "groq-llama3-8b", time_scale=scale, seed=1)
    return Assistant(catalog, settings=SETTINGS, model_settings=FAST,
                     selection=Selection(backend, offline, "test"))


def over(catalog, backend) -> Assistant:
    return Assistant(catalog, settings=SETTINGS, model_settings=FAST,
                     selection=Selection(backend, OfflineBackend(), "test"))


CONTEXT_CALL = "Extract the shopping context"
ANSWER_CALL = "Write 2-4 sentences"


def context_reply(**fields) -> Reply:
    base = {"intent": "product_search", "confidence": 0.9, "language": "et"}
    return Reply(text=json.dumps({**base, **fields}), when=CONTEXT_CALL)


def kinds(result) -> list[str]:
    return [e.type for e in result.events]


@pytest.mark.parametrize("mode", ["parallel", "sequential"])
def test_simulated_backend_runs_the_whole_turn_and_says_it_is_simulated(catalog, conversation, mode):
    result = run(simulated(catalog), "krimiromaanid alla 20 euro", conversation, mode)
    assert result.decision == "search" and len(result.products) == 3
    timing = result.timing
    assert timing.simulated and "simulated" in timing.backend
    assert {c.task for c in timing.calls} >= {"gift_context", "answer"}
    assert all(c.simulated and c.tokens_estimated for c in timing.calls)
    assert result.intent.context.extractor.startswith("model:")
    assert result.products[0].title in result.text


def test_parallel_sends_the_skeleton_before_the_model_answers(catalog, conversation):
    result = run(simulated(catalog), "krimiromaanid alla 20 euro", conversation, "parallel")
    assert kinds(result)[0] == "skeleton"  # before the intent: the fast path was sure
    context = next(s for s in result.timing.spans if s.name == "context")
    assert result.timing.ttfc_ms < context.end_ms
    assert result.timing.speculation.startswith("kept")
    products = [e for e in result.events if e.type == "products"]
    assert [e.metadata.stage for e in products] == ["early", "final"]
    assert products[0].products == products[1].products  # the later event refines the same ids


def test_sequential_waits_for_the_model(catalog, conversation):
    result = run(simulated(catalog), "krimiromaanid alla 20 euro", conversation, "sequential")
    assert kinds(result)[:2] == ["intent", "skeleton"]
    assert result.timing.speculation is None


def test_a_vague_message_gets_no_early_skeleton(catalog, conversation):
    result = run(simulated(catalog), "Otsin kingitust", conversation, "parallel")
    assert result.decision == "clarify" and "skeleton" not in kinds(result)


def test_when_the_model_disagrees_the_skeleton_is_revised_and_no_products_follow(catalog, conversation):
    with fake_ollama() as server:
        server.script(context_reply(intent="greeting", confidence=0.95),
                      Reply(text="Tere!", when=ANSWER_CALL))
        assistant = over(catalog, OllamaBackend("qwen2:1.5b", host=server.url))
        result = run(assistant, "krimiromaanid", conversation, "parallel")
    assert "skeleton" in kinds(result) and "products" not in kinds(result)
    assert result.decision == "conversational" and result.intent.revised_from == "search"
    assert result.timing.speculation.startswith("cancelled")


def test_a_model_context_that_changes_the_search_replaces_the_speculation(catalog, conversation):
    with fake_ollama() as server:
        server.script(context_reply(category="Luule", product_type="Raamatud"),
                      Reply(text="Need on ilusad luuleraamatud.", when=ANSWER_CALL))
        assistant = over(catalog, OllamaBackend("qwen2:1.5b", host=server.url))
        result = run(assistant, "krimiromaanid", conversation, "parallel")
    assert result.timing.speculation.startswith("replaced")
    assert {p.category for p in result.products} == {"Luule"}


def test_model_output_is_checked_against_the_catalog(catalog, conversation):
    with fake_ollama() as server:
        server.script(context_reply(category="Vampire Romance", budget_min=50, budget_max=10,
                                    age=400, authors=["Nobody Known"]),
                      Reply(text="Siin.", when=ANSWER_CALL))
        assistant = over(catalog, OllamaBackend("qwen2:1.5b", host=server.url))
        result = run(assistant, "krimiromaanid", conversation, "sequential")
    context = result.intent.context
    assert context.category == "Krimi"  # the rules' reading stands
    assert context.budget is None and context.age is None and context.authors == []
    notes = " ".join(context.model_notes)
    assert "Vampire Romance" in notes and "budget" in notes and "age" in notes


FAULTS = {
    "slow first token": Reply(first_token_delay=5.0),
    "stall mid-stream": Reply(chunks=4, stall_after=2, stall_for=5.0),
    "cut connection": Reply(chunks=4, cut_after=2),
    "http 500": Reply(status=500),
    "429 with retry-after": Reply(status=429, retry_after="0.05"),
    "malformed stream": Reply(malformed=True),
    "schema-invalid json": Reply(text='{"intent": 12, "confidence": "very"}'),
}


@pytest.mark.parametrize("kind", ["ollama", "groq", "openai"])
@pytest.mark.parametrize("fault", list(FAULTS))
def test_every_fault_falls_back_to_the_rules_and_the_turn_completes(catalog, conversation, kind,
                                                                    fault):
    make = {"ollama": fake_ollama, "groq": fake_groq, "openai": fake_openai}[kind]
    with make() as server:
        server.script(FAULTS[fault])
        backend = (
            OllamaBackend("qwen2:1.5b", host=server.url) if kind == "ollama" else
            GroqBackend("llama-3.1-8b-instant", api_key="gsk_test", base_url=server.url)
            if kind == "groq" else
            OpenAICompatibleBackend("meta-llama/Llama-3.1-8B-Instruct", server.url + "/v1"))
        result = run(over(catalog, backend), "krimiromaanid alla 20 euro", conversation)
    assert not result.errors and result.decision == "search" and result.products
    assert result.timing.fallbacks, "the stream must say that the rules stood in"
    assert any(c.error for c in result.timing.calls)
    assert result.timing.total_ms < SETTINGS.turn_timeout_ms
    assert result.text  # the templates answered when the model could not


def test_connection_refused_falls_back(catalog, conversation):
    assistant = over(catalog, OllamaBackend("qwen2:1.5b", host=refused_url()))
    result = run(assistant, "kingitus emale sünnipäevaks", conversation)
    assert not result.errors and result.products and result.timing.fallbacks


def test_groq_reports_real_token_counts(catalog, conversation):
    with fake_groq() as server:
        context = context_reply(category="Krimi")
        context.prompt_tokens, context.completion_tokens = 120, 30
        server.script(context, Reply(text="Siin on head krimiromaanid.", prompt_tokens=200,
                                     completion_tokens=12, when=ANSWER_CALL))
        result = run(over(catalog, GroqBackend("llama-3.1-8b-instant", api_key="gsk_test",
                                               base_url=server.url)), "krimiromaanid", conversation,
                     "sequential")
    calls = {c.task: c for c in result.timing.calls}
    assert (calls["gift_context"].prompt_tokens, calls["gift_context"].completion_tokens) == (120, 30)
    assert not calls["gift_context"].tokens_estimated
    assert "Siin on head krimiromaanid." in result.text


def test_the_call_cache_makes_a_rerun_instant_and_marks_it(fresh_catalog):
    offline = OfflineBackend()
    backend = SimulatedBackend(offline, "groq-llama3-8b", time_scale=0.05, seed=1)
    assistant = Assistant(fresh_catalog, settings=SETTINGS, selection=Selection(backend, offline, "t"),
                          model_settings=ModelSettings(cache=True))
    first = run(assistant, "luule", "cache-1", "sequential")
    again = run(assistant, "luule", "cache-2", "sequential")
    assert not any(c.cached for c in first.timing.calls)
    assert all(c.cached for c in again.timing.calls)
    assert again.text == first.text


def test_auto_prefers_ollama_then_groq_then_offline(monkeypatch):
    with fake_ollama(models=["qwen2:1.5b"]) as server:
        monkeypatch.setenv("OLLAMA_HOST", server.url)
        chosen = asyncio.run(select_backend("auto", ModelSettings.from_env()))
        assert chosen.backend.name == "ollama" and "has qwen2:1.5b" in chosen.reason
    monkeypatch.setenv("OLLAMA_HOST", refused_url())
    monkeypatch.setenv("GROQ_API_KEY", "gsk_from_env")
    chosen = asyncio.run(select_backend("auto", ModelSettings.from_env()))
    assert chosen.backend.name == "groq" and "gsk_from_env" not in chosen.reason + repr(chosen.backend)
    monkeypatch.delenv("GROQ_API_KEY")
    chosen = asyncio.run(select_backend("auto", ModelSettings.from_env()))
    assert chosen.backend.name == "offline" and "GROQ_API_KEY is not set" in chosen.reason
