"""Traces users can open: with the OTLP variables set, turns and syllabus runs arrive at a
collector as OpenTelemetry spans, decoded here from the bytes a local receiver was sent.

Needs the `otel` extra and opentelemetry-proto (both in `dev`): pip install -e '.[dev]'.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

UNSKIP = "pip install -e '.[dev]' (the otel extra and opentelemetry-proto) to run it"
pytest.importorskip("opentelemetry.sdk", reason=f"the otel extra is not installed: {UNSKIP}")
pytest.importorskip("opentelemetry.exporter.otlp.proto.http",
                    reason=f"the otel extra is not installed: {UNSKIP}")
trace_service = pytest.importorskip(
    "opentelemetry.proto.collector.trace.v1.trace_service_pb2",
    reason=f"opentelemetry-proto is not installed: {UNSKIP}")

from fake_servers import LocalServer, Reply, fake_openai, refused_url  # noqa: E402
from protocol import assert_protocol  # noqa: E402

from toolkit.assistant import Assistant  # noqa: E402
from toolkit.core import tracing  # noqa: E402
from toolkit.core.settings import AssistantSettings, ModelSettings  # noqa: E402
from toolkit.llm import OfflineBackend, Selection, SimulatedBackend  # noqa: E402
from toolkit.llm.openai_compat import OpenAICompatibleBackend  # noqa: E402
from toolkit.shop.catalog import Catalog  # noqa: E402
from toolkit.syllabus import SyllabusGenerator, SyllabusRequest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MESSAGE = "krimiromaanid alla 20 euro"
CONVERSATION = "mari.tamm@example.com"  # an id an application made from an e-mail address
API_KEY = "sk-test-NEVER-EXPORT-4f2a9c"
MODEL = "meta-llama/Llama-3.1-8B-Instruct"
SETTINGS = AssistantSettings(context_timeout_ms=1500, fast_classifier_timeout_ms=1000,
                             turn_timeout_ms=8000)
FAST = ModelSettings(timeout_s=2.0, max_retries=1)
ENVIRONMENT = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
               "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
               "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TIMEOUT",
               "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_SERVICE_NAME", "OTEL_SDK_DISABLED",
               "OTEL_TRACES_EXPORTER", "OTEL_RESOURCE_ATTRIBUTES", tracing.CONTENT_VARIABLE)


class Receiver(LocalServer):
    """A collector's OTLP/HTTP trace endpoint on a free localhost port: it keeps every body
    it is sent (the bytes, and decoded) and answers as a collector does."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.headers: list[dict[str, str]] = []
        self.paths: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                receiver.paths.append(self.path)
                receiver.headers.append({k.lower(): v for k, v in self.headers.items()})
                receiver.bodies.append(body)
                answer = trace_service.ExportTraceServiceResponse().SerializeToString()
                self.send_response(200 if self.path == "/v1/traces" else 404)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        super().__init__(ThreadingHTTPServer(("127.0.0.1", 0), Handler))

    @property
    def payload(self) -> bytes:
        return b"".join(self.bodies)

    def spans(self) -> list[dict[str, Any]]:
        """Every span received, as a dict: name, ids, times, kind, attributes, links, events,
        status, and its resource's attributes."""
        out = []
        for body in self.bodies:
            request = trace_service.ExportTraceServiceRequest.FromString(body)
            for resource_spans in request.resource_spans:
                resource = attributes_of(resource_spans.resource.attributes)
                for scope in resource_spans.scope_spans:
                    for span in scope.spans:
                        out.append({
                            "name": span.name, "trace_id": span.trace_id.hex(),
                            "span_id": span.span_id.hex(),
                            "parent_id": span.parent_span_id.hex(),
                            "start": span.start_time_unix_nano, "end": span.end_time_unix_nano,
                            "kind": span.kind, "attributes": attributes_of(span.attributes),
                            "links": [link.span_id.hex() for link in span.links],
                            "events": {e.name: e.time_unix_nano for e in span.events},
                            "status": span.status.code, "resource": resource})
        return out

    def wait_for_roots(self, count: int, timeout_s: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            roots = [s for s in self.spans() if not s["parent_id"]]
            if len(roots) >= count:
                return roots
            time.sleep(0.05)
        raise AssertionError(f"expected {count} root spans, received {len(self.spans())} spans")


def attributes_of(pairs: Any) -> dict[str, Any]:
    def value(any_value: Any) -> Any:
        kind = any_value.WhichOneof("value")
        if kind == "array_value":
            return [value(v) for v in any_value.array_value.values]
        return getattr(any_value, kind) if kind else None

    return {pair.key: value(pair.value) for pair in pairs}


def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def collector(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    """A receiver, and the standard variables pointing at it; the pipeline starts afresh."""
    clean_environment(monkeypatch)
    tracing.shutdown()
    with Receiver() as receiver:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-collector-token=test-token")
        monkeypatch.setenv("OTEL_SERVICE_NAME", "toolkit-test")
        yield receiver
        tracing.shutdown()


def simulated_assistant(catalog) -> Assistant:
    offline = OfflineBackend()
    backend = SimulatedBackend(offline, "groq-llama3-8b", time_scale=0.02, seed=1)
    return Assistant(catalog, settings=SETTINGS, model_settings=FAST,
                     selection=Selection(backend, offline, "test"))


def turn(assistant: Assistant, message: str = MESSAGE, conversation: str = CONVERSATION,
         mode: str | None = None):
    result = asyncio.run(assistant.stream(message, conversation, mode=mode).result())
    assert_protocol(result.events)
    return result


def one_trace(receiver: Receiver) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The single root span received, and its children."""
    assert tracing.flush(10.0), "the export did not finish in time"
    roots = receiver.wait_for_roots(1)
    assert len(roots) == 1, [r["name"] for r in roots]
    root = roots[0]
    children = [s for s in receiver.spans() if s["parent_id"]]
    assert all(s["parent_id"] == root["span_id"] and s["trace_id"] == root["trace_id"]
               for s in children), "every step and call is a child of the turn's root"
    return root, children


@pytest.mark.parametrize("mode", ["parallel", "sequential"])
def test_a_simulated_turn_arrives_as_a_root_with_its_steps_and_model_calls(catalog, collector,
                                                                            mode):
    result = turn(simulated_assistant(catalog), mode=mode)
    timing = result.timing
    assert timing.calls, "the simulated backend made model calls"
    root, children = one_trace(collector)

    assert root["name"] == "invoke_agent shop_assistant"
    assert root["resource"]["service.name"] == "toolkit-test"
    attributes = root["attributes"]
    assert attributes["gen_ai.operation.name"] == "invoke_agent"
    assert attributes["toolkit.turn.total_ms"] == timing.total_ms
    assert attributes["toolkit.turn.ttfc_ms"] == timing.ttfc_ms
    assert attributes["toolkit.turn.mode"] == mode and attributes["toolkit.turn.simulated"] is True
    assert attributes["gen_ai.conversation.id"] == tracing.conversation_digest(CONVERSATION)
    assert root["end"] - root["start"] == pytest.approx(timing.total_ms * 1e6, abs=1e3)
    assert root["events"]["first visible chunk"] - root["start"] == pytest.approx(
        timing.ttfc_ms * 1e6, abs=1e3)

    steps = [s for s in children if "toolkit.step" in s["attributes"]]
    assert [s["name"] for s in steps] == [s.name for s in timing.spans]
    for sent, measured in zip(steps, timing.spans, strict=True):
        assert root["start"] <= sent["start"] <= sent["end"] <= root["end"]
        assert sent["start"] - root["start"] == pytest.approx(measured.start_ms * 1e6, abs=1e3)
        assert sent["end"] - root["start"] == pytest.approx(measured.end_ms * 1e6, abs=1e3)
        # What a step waited on travels as links to those steps.
        assert sent["links"] == [steps[i]["span_id"] for i in measured.after]
        assert sent["attributes"]["toolkit.critical_path"] == (
            measured.name in timing.critical_path)

    calls = [s for s in children if s["attributes"].get("gen_ai.operation.name") == "chat"]
    assert len(calls) == len(timing.calls)
    by_task = {s["attributes"]["toolkit.task"]: s for s in calls}
    for record in timing.calls:
        sent = by_task[record.task]
        a = sent["attributes"]
        assert sent["name"] == f"chat {record.model} (simulated)"
        assert sent["kind"] == 3  # SPAN_KIND_CLIENT
        assert a["gen_ai.provider.name"] == a["gen_ai.system"] == "simulated"
        assert a["gen_ai.request.model"] == a["gen_ai.response.model"] == record.model
        assert a["gen_ai.usage.input_tokens"] == record.prompt_tokens
        assert a["gen_ai.usage.output_tokens"] == record.completion_tokens
        assert a["toolkit.simulated"] is True and a["toolkit.tokens_estimated"] is True
        assert root["start"] <= sent["start"] <= sent["end"] <= root["end"]
        assert sent["end"] - sent["start"] == pytest.approx(record.duration_ms * 1e6, abs=1e3)
        if record.ttft_ms is not None:
            assert a["gen_ai.response.time_to_first_chunk"] == pytest.approx(
                record.ttft_ms / 1000, abs=1e-6)
            assert sent["events"]["gen_ai.response.first_chunk"] - sent["start"] == \
                pytest.approx(record.ttft_ms * 1e6, abs=1e3)

    payload = collector.payload
    assert MESSAGE.encode() not in payload and b"krimiromaan" not in payload
    assert CONVERSATION.encode() not in payload and b"mari.tamm" not in payload
    assert result.text.encode() not in payload  # nor the model's answer
    assert collector.paths == ["/v1/traces"] * len(collector.bodies)
    assert collector.headers[0]["content-type"] == "application/x-protobuf"
    assert collector.headers[0]["x-collector-token"] == "test-token"


def context_reply() -> Reply:
    context = {"intent": "product_search", "confidence": 0.9, "language": "et",
               "category": "Krimi"}
    return Reply(text=json.dumps(context), when="Extract the shopping context",
                 prompt_tokens=120, completion_tokens=30)


def test_a_real_client_turn_exports_server_usage_and_never_the_key(catalog, collector):
    with fake_openai(api_key=API_KEY) as server:
        server.script(context_reply(), Reply(text="Siin on head krimiromaanid.",
                                             prompt_tokens=200, completion_tokens=12,
                                             when="Write 2-4 sentences"))
        backend = OpenAICompatibleBackend(MODEL, server.url + "/v1", api_key=API_KEY)
        assistant = Assistant(catalog, settings=SETTINGS, model_settings=FAST,
                              selection=Selection(backend, OfflineBackend(), "test"))
        result = turn(assistant, mode="sequential")
    assert "Siin on head krimiromaanid." in result.text
    root, children = one_trace(collector)
    calls = {s["attributes"]["toolkit.task"]: s for s in children
             if s["attributes"].get("gen_ai.operation.name") == "chat"}
    context = calls["gift_context"]["attributes"]
    assert calls["gift_context"]["name"] == f"chat {MODEL}"
    assert context["gen_ai.provider.name"] == "openai" and context["toolkit.simulated"] is False
    assert (context["gen_ai.usage.input_tokens"], context["gen_ai.usage.output_tokens"]) == (120, 30)
    assert context["toolkit.tokens_estimated"] is False
    assert calls["answer"]["attributes"]["gen_ai.usage.output_tokens"] == 12
    payload = collector.payload
    assert API_KEY.encode() not in payload and b"NEVER-EXPORT" not in payload
    assert not any(API_KEY in value for headers in collector.headers for value in headers.values())
    assert b"Siin on head" not in payload  # the model's text stays home


def test_the_users_text_is_exported_only_when_they_opt_in(catalog, collector, monkeypatch):
    monkeypatch.setenv(tracing.CONTENT_VARIABLE, "true")
    turn(simulated_assistant(catalog))
    root, _ = one_trace(collector)
    sent = json.loads(root["attributes"]["gen_ai.input.messages"])
    assert sent == [{"role": "user", "parts": [{"type": "text", "content": MESSAGE}]}]
    # Opting in to the message does not send the conversation id itself, nor any key.
    assert CONVERSATION.encode() not in collector.payload


def test_a_failed_model_call_is_an_error_span_and_the_turn_still_ends(catalog, collector):
    with fake_openai(api_key=API_KEY) as server:
        server.script(Reply(status=500))
        backend = OpenAICompatibleBackend(MODEL, server.url + "/v1", api_key=API_KEY)
        assistant = Assistant(catalog, settings=SETTINGS, model_settings=FAST,
                              selection=Selection(backend, OfflineBackend(), "test"))
        result = turn(assistant, mode="sequential")
    assert result.events[-1].type == "done" and result.timing.fallbacks
    _, children = one_trace(collector)
    failed = [s for s in children if s["attributes"].get("error.type")]
    assert failed and all(s["status"] == 2 for s in failed)  # STATUS_CODE_ERROR
    assert API_KEY.encode() not in collector.payload


def test_a_syllabus_run_arrives_as_a_workflow_with_its_modules_and_calls(collector):
    topic = "Andmeteaduse alused"
    generator = SyllabusGenerator.for_backend("offline", ModelSettings())
    run = generator.run(SyllabusRequest(topic, modules=3, mode="parallel", concurrency=2))

    async def events():
        return [event async for event in run]

    sent_events = asyncio.run(events())
    timing = next(e for e in sent_events if e.type == "timing")
    assert sent_events[-1].type == "done" and sent_events[-1].syllabus is not None
    root, children = one_trace(collector)
    assert root["name"] == "invoke_workflow syllabus"
    a = root["attributes"]
    assert a["gen_ai.operation.name"] == "invoke_workflow"
    assert a["toolkit.syllabus.concurrency"] == 2 and a["toolkit.syllabus.mode"] == "parallel"
    assert a["toolkit.syllabus.phases.outline_ms"] == timing.phases["outline_ms"]
    steps = [s["name"] for s in children if "toolkit.step" in s["attributes"]]
    assert steps == [s.name for s in timing.spans]
    assert {"outline", "modules", "module 1", "module 2", "module 3"} <= set(steps)
    calls = [s for s in children if s["attributes"].get("gen_ai.operation.name") == "chat"]
    assert len(calls) == len(timing.calls) == 4
    assert all(root["start"] <= s["start"] <= s["end"] <= root["end"] for s in children)
    assert topic.encode() not in collector.payload and b"Andmeteadus" not in collector.payload


def test_without_the_variables_nothing_is_sent_and_nothing_loaded(catalog, monkeypatch):
    clean_environment(monkeypatch)
    tracing.shutdown()
    turn(simulated_assistant(catalog))
    assert tracing._PIPELINE is None and tracing.flush() is True


def test_a_protocol_it_does_not_speak_is_said_once_and_nothing_breaks(catalog, monkeypatch,
                                                                      caplog):
    clean_environment(monkeypatch)
    tracing.shutdown()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", refused_url())
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
    tracing._SAID.clear()
    with caplog.at_level(logging.WARNING, logger="toolkit.tracing"):
        for _ in range(2):
            assert turn(simulated_assistant(catalog)).events[-1].type == "done"
    said = [r.message for r in caplog.records if "http/protobuf only" in r.message]
    assert len(said) == 1 and tracing._PIPELINE is None


def test_variables_set_but_the_extra_missing_is_said_once(catalog, collector, monkeypatch, caplog):
    def missing(target):
        raise ImportError("No module named 'opentelemetry'")

    monkeypatch.setattr(tracing, "_Sdk", missing)
    tracing._SAID.clear()
    with caplog.at_level(logging.WARNING, logger="toolkit.tracing"):
        results = [turn(simulated_assistant(catalog)) for _ in range(2)]
        assert tracing.flush(5.0)
    assert all(r.events[-1].type == "done" and not r.errors for r in results)
    said = [r.message for r in caplog.records if "toolkit[otel]" in r.message]
    assert len(said) == 1, said
    assert collector.bodies == []


def cli(args: list[str], env: dict[str, str], timeout: float = 60.0) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "toolkit", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A catalog file made beforehand, so the CLI runs below time the turn, not an import."""
    path = tmp_path_factory.mktemp("cli") / "cli.duckdb"
    Catalog.open(path).close()
    return path


def cli_environment(db: Path, endpoint: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENVIRONMENT}
    env.update(OTEL_EXPORTER_OTLP_ENDPOINT=endpoint, OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf",
               OTEL_SERVICE_NAME="toolkit-cli", TOOLKIT_DB=str(db))
    return env


def test_a_one_shot_cli_chat_delivers_its_trace_before_it_exits(cli_db):
    with Receiver() as receiver, fake_openai(api_key=API_KEY) as server:
        server.script(context_reply(), Reply(text="Siin on head krimiromaanid.",
                                             when="Write 2-4 sentences"))
        env = cli_environment(cli_db, receiver.url)
        env.update(OPENAI_BASE_URL=server.url + "/v1", OPENAI_API_KEY=API_KEY, OPENAI_MODEL=MODEL)
        done = cli(["chat", MESSAGE, "--backend", "openai", "--json"], env)
        assert done.returncode == 0, done.stderr
        roots = [s for s in receiver.spans() if not s["parent_id"]]  # no waiting: it is there
    assert [r["name"] for r in roots] == ["invoke_agent shop_assistant"]
    assert roots[0]["resource"]["service.name"] == "toolkit-cli"
    assert any(s["attributes"].get("gen_ai.request.model") == MODEL for s in receiver.spans())
    assert API_KEY.encode() not in receiver.payload and MESSAGE.encode() not in receiver.payload
    assert API_KEY not in done.stdout + done.stderr


def test_a_one_shot_cli_syllabus_delivers_its_trace_before_it_exits(cli_db):
    with Receiver() as receiver:
        done = cli(["syllabus", "Andmeteaduse alused", "--modules", "2", "--backend", "offline",
                    "--json"], cli_environment(cli_db, receiver.url))
        assert done.returncode == 0, done.stderr
        roots = [s for s in receiver.spans() if not s["parent_id"]]
    assert [r["name"] for r in roots] == ["invoke_workflow syllabus"]


def test_an_unreachable_collector_neither_breaks_nor_hangs_the_cli(cli_db):
    started = time.monotonic()
    done = cli(["chat", MESSAGE, "--backend", "simulated", "--time-scale", "0.01", "--json"],
               cli_environment(cli_db, refused_url()))
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert events[-1]["type"] == "done" and not [e for e in events if e["type"] == "error"]
    assert took < 10.0, f"the CLI took {took:.1f} s with an unreachable collector"


def test_an_unreachable_collector_does_not_break_a_turn_in_process(catalog, monkeypatch):
    clean_environment(monkeypatch)
    tracing.shutdown()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", refused_url())
    try:
        result = turn(simulated_assistant(catalog))
        assert result.events[-1].type == "done" and not result.errors
        tracing.flush(tracing.EXPORT_TIMEOUT_S + 1)  # returns, sent or not
    finally:
        tracing.shutdown()
