"""Model backends against local servers that speak Ollama's and Groq's wire protocols."""

from __future__ import annotations

import asyncio
import logging

import pytest
from fake_servers import Reply, fake_groq, fake_ollama, refused_url
from pydantic import BaseModel

from toolkit.core.errors import ModelError, ModelOutputError, ModelTimeout, ModelUnavailable
from toolkit.llm import CallLog, Message, ModelClient, ModelRequest
from toolkit.llm.groq import GroqBackend
from toolkit.llm.ollama import OllamaBackend

SECRET = "gsk_this_is_a_secret_key_123"
REQUEST = ModelRequest(task="test", messages=[Message(role="user", content="Tere")])


class Answer(BaseModel):
    intent: str
    confidence: float


@pytest.fixture(params=["ollama", "groq"])
def server(request):
    make = fake_ollama if request.param == "ollama" else fake_groq
    with make() as running:
        running.kind = request.param
        yield running


def backend_for(server, url: str | None = None):
    if server.kind == "ollama":
        return OllamaBackend("qwen2:1.5b", host=url or server.url)
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


def test_the_api_key_never_leaks(caplog):
    with fake_groq() as server, caplog.at_level(logging.DEBUG):
        backend = GroqBackend("llama", api_key=SECRET, base_url=server.url)
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
