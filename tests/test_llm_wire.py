"""Model backends against local servers that speak Ollama's, Groq's and an OpenAI-compatible
server's (vLLM's) wire protocols."""

from __future__ import annotations

import asyncio
import logging

import pytest
from fake_servers import Reply, fake_groq, fake_ollama, fake_openai, refused_url
from pydantic import BaseModel

from toolkit.core.errors import ModelError, ModelOutputError, ModelTimeout, ModelUnavailable
from toolkit.llm import CallLog, Message, ModelClient, ModelRequest
from toolkit.llm.groq import GroqBackend
from toolkit.llm.ollama import OllamaBackend
from toolkit.llm.openai_compat import OpenAICompatibleBackend

VLLM_MODEL = "meta-llama/Llama-3.1-8B-Instruct"
SECRET = "gsk_this_is_a_secret_key_123"
REQUEST = ModelRequest(task="test", messages=[Message(role="user", content="Tere")])


class Answer(BaseModel):
    intent: str
    confidence: float


def fake(kind: str):
    if kind == "openai":
        return fake_openai(api_key=SECRET)
    return fake_ollama() if kind == "ollama" else fake_groq()


@pytest.fixture(params=["ollama", "groq", "openai"])
def server(request):
    with fake(request.param) as running:
        running.kind = request.param
        yield running


def backend_for(server, url: str | None = None):
    if server.kind == "ollama":
        return OllamaBackend("qwen2:1.5b", host=url or server.url)
    if server.kind == "openai":
        return OpenAICompatibleBackend(VLLM_MODEL, (url or server.url) + "/v1", api_key=SECRET)
    return GroqBackend("llama-3.1-8b-instant", api_key=SECRET, base_url=url or server.url)


def call(backend, *, schema=None, timeout=3.0, first=1.0, stall=0.5, retries=2):
    log = CallLog()
    client = ModelClient(backend, timeout_s=timeout, first_token_timeout_s=first,
                         stall_timeout_s=stall, max_retries=retries, backoff_s=0.05)

    async def run():
        if schema:
            return await client.complete_json(REQUEST, schema, log=log)
        return await client.complete_text(REQUEST, log=log)

    try:
        return asyncio.run(run()), log.records
    except ModelError as e:
        return e, log.records


def test_streams_text_with_the_servers_token_counts(server):
    server.script(Reply(text="Tere, maailm!", chunks=4, prompt_tokens=31, completion_tokens=7))
    text, records = call(backend_for(server))
    assert text == "Tere, maailm!"
    record = records[0]
    assert (record.prompt_tokens, record.completion_tokens, record.tokens_estimated) == (31, 7, False)
    assert record.backend == server.kind and record.ttft_ms is not None and record.error is None


def test_structured_output_sends_the_schema_and_validates(server):
    server.script(Reply(text='{"intent": "greeting", "confidence": 0.9}'))
    answer, _ = call(backend_for(server), schema=Answer)
    assert answer == Answer(intent="greeting", confidence=0.9)
    sent = server.requests[0]
    if server.kind == "ollama":
        assert sent["format"]["properties"]["intent"]["type"] == "string"
    else:
        assert sent["response_format"]["type"] in ("json_object", "json_schema")


def test_invalid_json_gets_one_repair_request(server):
    server.script(Reply(text="Sure! Here you go: intent=greeting"),
                  Reply(text='```json\n{"intent": "greeting", "confidence": 1}\n```'))
    answer, records = call(backend_for(server), schema=Answer)
    assert answer.intent == "greeting" and len(records) == 2
    assert len(server.requests[1]["messages"]) == 3  # the bad answer and the repair request


def test_schema_invalid_json_twice_is_an_output_error(server):
    server.script(Reply(text='{"intent": 5}'), Reply(text='{"confidence": "high"}'))
    error, records = call(backend_for(server), schema=Answer)
    assert isinstance(error, ModelOutputError) and len(records) == 2


@pytest.mark.parametrize("fault", [Reply(status=500), Reply(status=429, retry_after="0.05")])
def test_server_errors_and_rate_limits_are_retried(server, fault):
    server.script(fault, Reply(text="ok"))
    text, records = call(backend_for(server))
    assert text == "ok" and records[0].attempts == 2 and len(server.requests) == 2


def test_retries_are_bounded(server):
    server.script(Reply(status=503))
    error, records = call(backend_for(server), retries=2)
    assert isinstance(error, ModelError) and records[0].attempts == 3 and len(server.requests) == 3


def test_slow_first_token_times_out(server):
    server.script(Reply(first_token_delay=2.0))
    error, records = call(backend_for(server), timeout=0.6, first=0.3, retries=0)
    assert isinstance(error, ModelTimeout) and records[0].duration_ms < 1500


def test_a_stall_mid_stream_times_out_and_is_not_retried(server):
    server.script(Reply(chunks=4, stall_after=2, stall_for=2.0))
    error, records = call(backend_for(server), stall=0.3)
    assert isinstance(error, ModelTimeout) and "stalled" in str(error)
    assert records[0].ttft_ms is not None and records[0].attempts == 1


def test_a_cut_connection_is_reported(server):
    server.script(Reply(chunks=4, cut_after=2))
    error, records = call(backend_for(server))
    assert isinstance(error, ModelUnavailable) and records[0].error


def test_a_malformed_stream_line_is_an_output_error(server):
    server.script(Reply(malformed=True))
    error, _ = call(backend_for(server))
    assert isinstance(error, ModelOutputError)


def test_connection_refused_is_unavailable(server):
    error, records = call(backend_for(server, refused_url()), retries=1)
    assert isinstance(error, ModelUnavailable) and records[0].attempts == 2


@pytest.mark.parametrize("kind", ["groq", "openai"])
def test_the_api_key_never_leaks(caplog, kind):
    with fake(kind) as server, caplog.at_level(logging.DEBUG):
        server.kind = kind
        backend = backend_for(server)
        assert SECRET not in repr(backend)
        for reply in (Reply(status=401), Reply(status=500), Reply(malformed=True)):
            server.script(reply)
            error, records = call(backend, retries=0)
            assert SECRET not in str(error)
            assert all(SECRET not in r.model_dump_json() for r in records)
    assert SECRET not in caplog.text


def test_ollama_reports_whether_it_has_the_model():
    with fake_ollama(models=["llama3.2:1b"]) as server:
        assert asyncio.run(OllamaBackend("llama3.2:1b", host=server.url).available())[0]
        usable, why = asyncio.run(OllamaBackend("qwen2:1.5b", host=server.url).available())
        assert not usable and "lacks qwen2:1.5b" in why
    usable, why = asyncio.run(OllamaBackend("qwen2:1.5b", host=refused_url()).available())
    assert not usable and "did not answer" in why


def test_an_unknown_ollama_model_is_unavailable_with_advice():
    with fake_ollama() as server:
        server.script(Reply(status=404))
        error, _ = call(OllamaBackend("nope:1b", host=server.url))
        assert isinstance(error, ModelUnavailable) and "ollama pull nope:1b" in str(error)


def test_an_openai_compatible_server_gets_the_schema_and_reports_usage():
    with fake_openai() as server:
        server.script(Reply(text='{"intent": "greeting", "confidence": 0.9}', prompt_tokens=12,
                            completion_tokens=5))
        backend = OpenAICompatibleBackend(VLLM_MODEL, server.url + "/v1")  # a key-less server
        answer, records = call(backend, schema=Answer)
        sent = server.requests[0]
    assert answer.intent == "greeting"
    assert sent["response_format"]["type"] == "json_schema"
    assert sent["response_format"]["json_schema"]["schema"]["properties"]["confidence"]
    assert sent["stream_options"] == {"include_usage": True}
    assert (records[0].prompt_tokens, records[0].completion_tokens) == (12, 5)
    assert records[0].backend == "openai" and records[0].model == VLLM_MODEL


def test_an_openai_compatible_server_without_a_model_name_serves_its_first():
    with fake_openai(models=["qwen2.5-7b-instruct", "other"]) as server:
        backend = OpenAICompatibleBackend(None, server.url + "/v1")
        text, _ = call(backend)
        assert backend.model == "qwen2.5-7b-instruct" and server.requests[0]["model"] == backend.model
        usable, why = asyncio.run(OpenAICompatibleBackend("missing", server.url + "/v1").available())
        assert not usable and "does not serve missing" in why


def test_a_wrong_key_or_an_unknown_model_is_a_clear_error():
    with fake_openai(api_key=SECRET) as server:
        wrong = OpenAICompatibleBackend(VLLM_MODEL, server.url + "/v1", api_key="sk-wrong")
        error, _ = call(wrong, retries=0)
        assert "401" in str(error) and "OPENAI_API_KEY" in str(error) and "sk-wrong" not in str(error)
        server.script(Reply(text="hi"))
        error, _ = call(OpenAICompatibleBackend("nope", server.url + "/v1", api_key=SECRET),
                        retries=0)
        assert "404" in str(error)


def test_auto_finds_an_openai_compatible_server_after_ollama(monkeypatch):
    from toolkit.core.settings import ModelSettings
    from toolkit.llm import select_backend

    with fake_openai() as server:
        settings = ModelSettings(ollama_host=refused_url(), openai_base_url=server.url + "/v1")
        chosen = asyncio.run(select_backend("auto", settings))
        assert chosen.backend.name == "openai" and "auto chose openai" in chosen.reason
        assert VLLM_MODEL in chosen.reason
    gone = ModelSettings(ollama_host=refused_url(), openai_base_url=refused_url() + "/v1")
    chosen = asyncio.run(select_backend("auto", gone))
    assert chosen.backend.name == "offline" and "no OpenAI-compatible server" in chosen.reason


def test_the_openai_backend_without_a_server_address_says_what_to_set(monkeypatch, capsys):
    from toolkit.cli import main

    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    assert main(["chat", "--backend", "openai", "tere"]) == 1
    assert "OPENAI_BASE_URL" in capsys.readouterr().err
