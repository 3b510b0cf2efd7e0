"""Traces users can open: each finished turn or syllabus run sent as OpenTelemetry spans over
OTLP HTTP/protobuf, when the standard variables ask for it.

    OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318   # or ..._TRACES_ENDPOINT, a full URL
    OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf           # the only protocol sent (the default)
    OTEL_EXPORTER_OTLP_HEADERS=authorization=Basic%20...  # for Langfuse and other hosted backends
    OTEL_SERVICE_NAME=shop                               # default "toolkit"

A turn becomes one root span (`invoke_agent shop_assistant`; a syllabus run `invoke_workflow
syllabus`) with a child for every span of its timing event (`context`, `search`, `module 3`...),
linked to the spans it waited on, and a child for every model call (`chat MODEL`) with the GenAI
semantic conventions' attributes: provider, request and response model, input and output tokens,
time to first chunk (and a `gen_ai.response.first_chunk` event at that moment). The timing
event's figures go on the root as `toolkit.turn.*` / `toolkit.syllabus.*`.

Never exported: API keys (no key is ever handed to this module), and the user's text (the
message, the syllabus topic) unless OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true, the
conventions' opt-in, which puts it on the root span as `gen_ai.input.messages`. The model's
text is never exported: a call record does not hold it. The conversation id goes out as a
SHA-256 digest (`gen_ai.conversation.id`, also `session.id`), the same for every turn of one
conversation, so a backend groups them without seeing an id an application may have made from
a name or an e-mail address.

Off the hot path: a turn only takes three clock readings and queues its timing event; one
daemon thread builds the spans and sends whatever is waiting in one request (OTLP/HTTP, the
SDK's exporter). The SDK (the optional `otel` extra) is imported on that thread, and only when
the variables are set: without them nothing of OpenTelemetry is loaded. `flush` waits for what
was queued, at most the export timeout (2 s unless OTEL_EXPORTER_OTLP_TIMEOUT, in seconds as
the Python SDK reads it, says otherwise) plus the SDK's setup; the CLI calls it before it
exits, an assistant when it closes, and an atexit hook for every other script, so a one-shot
run delivers its trace and an unreachable collector costs it at most that. Nothing here raises
into a turn: a failure is said once in the log.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import logging
import os
import queue
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from toolkit.core.timing import Span, TurnClock

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer

log = logging.getLogger("toolkit.tracing")

CONTENT_VARIABLE = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
PROTOCOL = "http/protobuf"
EXPORT_TIMEOUT_S = 2.0  # per export, when OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT is not set
FLUSH_SLACK_S = 1.5  # what a flush waits beyond the export timeout (setting up the SDK)
MAX_WAITING = 1000  # finished runs waiting to be sent; past it, new ones are dropped (said once)
MAX_BATCH = 100  # runs sent in one request
AGENT_NAME = "shop_assistant"
WORKFLOW_NAME = "syllabus"
# Strings of the timing event that are safe to export: labels and outcomes the toolkit writes
# itself. Numbers and booleans go out whatever their name; other strings (a backend note may
# hold a server URL) do not.
SAFE_TEXT = frozenset({"mode", "backend", "speculation", "fallbacks", "critical_path"})


class ModelCall(Protocol):
    """What a model call recorded (`toolkit.llm.base.CallRecord` is one; core imports nothing
    of ours, so it is named by its shape)."""

    @property
    def task(self) -> str: ...
    @property
    def backend(self) -> str: ...
    @property
    def model(self) -> str: ...
    @property
    def simulated(self) -> bool: ...
    @property
    def cached(self) -> bool: ...
    @property
    def started_ms(self) -> float: ...
    @property
    def ttft_ms(self) -> float | None: ...
    @property
    def duration_ms(self) -> float: ...
    @property
    def prompt_tokens(self) -> int | None: ...
    @property
    def completion_tokens(self) -> int | None: ...
    @property
    def tokens_estimated(self) -> bool: ...
    @property
    def attempts(self) -> int: ...
    @property
    def warning(self) -> str | None: ...
    @property
    def error(self) -> str | None: ...
    @property
    def fallback(self) -> str | None: ...


class RunTiming(Protocol):
    """A finished turn's or run's timing event (the assistant's or the syllabus's)."""

    @property
    def total_ms(self) -> float: ...
    @property
    def spans(self) -> Sequence[Span]: ...
    @property
    def calls(self) -> Sequence[ModelCall]: ...
    def model_dump(self) -> dict[str, Any]: ...


def export_turn(timing: RunTiming, clock: TurnClock, *, conversation_id: str,
                message: str) -> None:
    """Send a finished turn's trace, if the OTLP variables are set. Never raises."""
    _submit("turn", timing, clock, conversation_id, message)


def export_syllabus_run(timing: RunTiming, clock: TurnClock, *, topic: str) -> None:
    """Send a finished syllabus run's trace, if the OTLP variables are set. Never raises."""
    _submit("syllabus", timing, clock, None, topic)


def flush(timeout_s: float | None = None) -> bool:
    """Wait until every trace queued so far has been sent or given up on (a collector that
    refused it or did not answer in the export timeout), at most `timeout_s` (default: the
    export timeout plus the SDK's setup). False when the wait ran out first."""
    pipeline = _PIPELINE
    return True if pipeline is None else pipeline.flush(timeout_s)


def shutdown() -> None:
    """Flush, stop the pipeline, and read the variables afresh on the next export (tests)."""
    global _PIPELINE
    with _LOCK:
        pipeline, _PIPELINE = _PIPELINE, None
    if pipeline is not None:
        pipeline.close()


def conversation_digest(conversation_id: str) -> str:
    """What a conversation id is exported as: find a conversation's turns by this value."""
    return hashlib.sha256(conversation_id.encode("utf-8")).hexdigest()[:32]


def capture_content(environ: Mapping[str, str] | None = None) -> bool:
    """The user opted in to exporting message text (the conventions' variable)."""
    value = (environ if environ is not None else os.environ).get(CONTENT_VARIABLE, "")
    return value.strip().lower() in ("true", "1", "yes", "span_only", "span_and_event")


# -- when to export ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """Where the variables say traces go, and how long one export may take."""

    endpoint: str
    timeout_s: float


def target_from(environ: Mapping[str, str]) -> Target | str | None:
    """The export target the variables set; a sentence when they ask for something this module
    does not do; None when they do not ask for traces at all."""
    endpoint = (environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").strip()
                or environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip())
    if not endpoint:
        return None
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    exporters = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporters and "otlp" not in exporters.split(","):
        return None
    protocol = (environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "").strip()
                or environ.get("OTEL_EXPORTER_OTLP_PROTOCOL", "").strip() or PROTOCOL)
    if protocol != PROTOCOL:
        return (f"OTEL_EXPORTER_OTLP_PROTOCOL is {protocol!r}: the toolkit sends traces over "
                f"{PROTOCOL} only (port 4318 on most collectors); traces are not exported")
    raw = (environ.get("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "").strip()
           or environ.get("OTEL_EXPORTER_OTLP_TIMEOUT", "").strip())
    try:
        timeout_s = float(raw) if raw else EXPORT_TIMEOUT_S
    except ValueError:
        timeout_s = 10.0  # what the SDK falls back to on a value it cannot read
    return Target(endpoint, timeout_s if timeout_s > 0 else EXPORT_TIMEOUT_S)


_LOCK = threading.Lock()
_PIPELINE: _Pipeline | None = None
_SAID: set[str] = set()  # warnings already given, each once a process


def _forget_in_child() -> None:
    """A forked worker process has no export thread: it starts its own on its next export."""
    global _PIPELINE
    _PIPELINE = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)


def _warn_once(message: str) -> None:
    if message not in _SAID:
        _SAID.add(message)
        log.warning(message)


def _pipeline() -> _Pipeline | None:
    global _PIPELINE
    if _PIPELINE is not None:
        return _PIPELINE
    target = target_from(os.environ)  # read on every turn while off: a notebook may set it later
    if target is None:
        return None
    if isinstance(target, str):
        _warn_once(target)
        return None
    with _LOCK:
        if _PIPELINE is None:
            _PIPELINE = _Pipeline(target)
        return _PIPELINE


@dataclass(frozen=True)
class _Finished:
    """A finished turn or run, and when it happened on the wall clock."""

    kind: Literal["turn", "syllabus"]
    timing: RunTiming
    conversation_id: str | None
    user_text: str | None  # None unless the user opted in
    wall_ns: int  # time.time_ns() ...
    clock_ms: float  # ... and the clock's reading at the same moment
    perf_t0_ms: float  # the clock's start on time.perf_counter, in ms (call records use it)

    def ns(self, clock_ms: float) -> int:
        """A moment on the run's clock as Unix nanoseconds, inside the run."""
        at = min(max(clock_ms, 0.0), self.timing.total_ms)
        return self.wall_ns - round((self.clock_ms - at) * 1e6)

    def call_start_ms(self, call: ModelCall) -> float:
        """A call's start on the run's clock. A client records it on the caller's clock when it
        has one, else on time.perf_counter (in ms, far beyond any run's length)."""
        started = call.started_ms
        return started - self.perf_t0_ms if started > self.perf_t0_ms / 2 else started


def _submit(kind: Literal["turn", "syllabus"], timing: RunTiming, clock: TurnClock,
            conversation_id: str | None, user_text: str) -> None:
    try:
        pipeline = _pipeline()
        if pipeline is None:
            return
        wall_ns, perf_ms, clock_ms = time.time_ns(), time.perf_counter() * 1000, clock.now_ms()
        pipeline.put(_Finished(kind, timing, conversation_id,
                               user_text if capture_content() else None,
                               wall_ns, clock_ms, perf_ms - clock_ms))
    except Exception:  # a trace must never cost a turn
        log.exception("could not queue the trace")


# -- the pipeline -----------------------------------------------------------------------------

class _Pipeline:
    """One daemon thread that turns finished runs into spans and sends what is waiting in one
    request (a batch processor of its own: the SDK's starts threads and thread pools, which an
    interpreter that is exiting refuses). A daemon, so a collector that does not answer never
    keeps the process from exiting; `flush` bounds the wait for it."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self._runs: queue.Queue[_Finished | None] = queue.Queue(MAX_WAITING)
        self._progress = threading.Condition()
        self._queued = 0  # runs accepted, and runs sent or given up on
        self._settled = 0
        self._sdk: _Sdk | None = None
        self._off = False  # the SDK is missing or could not be set up
        self._thread = threading.Thread(target=self._run, name="toolkit-otel", daemon=True)
        self._thread.start()
        atexit.register(self.flush)

    def put(self, finished: _Finished) -> None:
        with self._progress:
            try:
                self._runs.put_nowait(finished)
            except queue.Full:
                _warn_once(f"{MAX_WAITING} traces are waiting for the collector at "
                           f"{self.target.endpoint}: newer ones are dropped until it answers")
                return
            self._queued += 1

    def flush(self, timeout_s: float | None = None) -> bool:
        wait = self.target.timeout_s + FLUSH_SLACK_S if timeout_s is None else timeout_s
        with self._progress:
            queued = self._queued
            return self._progress.wait_for(lambda: self._settled >= queued, wait)

    def close(self) -> None:
        self.flush()
        atexit.unregister(self.flush)
        with contextlib.suppress(queue.Full):  # a full queue: the daemon is left to the exit
            self._runs.put_nowait(None)
        self._thread.join(FLUSH_SLACK_S)

    def _run(self) -> None:
        sdk = self._setup()  # at once: the import takes a while, better before anyone waits
        while True:
            first = self._runs.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    more = self._runs.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._runs.put(None)  # stop after this batch
                    break
                batch.append(more)
            try:
                if sdk is not None:
                    sdk.send(batch)
            except Exception:
                _warn_once("traces could not be exported; later ones are tried again")
                log.debug("trace export failed", exc_info=True)
            finally:
                with self._progress:
                    self._settled += len(batch)
                    self._progress.notify_all()

    def _setup(self) -> _Sdk | None:
        try:
            return _Sdk(self.target)
        except ImportError:
            _warn_once("OTEL_EXPORTER_OTLP_ENDPOINT is set but the OpenTelemetry SDK is not "
                       "installed: pip install 'toolkit[otel]' to export traces; turns run as "
                       "before, untraced")
        except Exception:
            _warn_once("the OpenTelemetry exporter could not be set up; traces are not exported")
            log.debug("trace exporter setup failed", exc_info=True)
        return None


class _Sdk:
    """The SDK's parts: a tracer whose ended spans are collected in memory, and the OTLP/HTTP
    exporter that sends them, a batch at a time."""

    def __init__(self, target: Target) -> None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import OTELResourceDetector, Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        # OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over the default name.
        resource = Resource({"service.name": "toolkit", "telemetry.sdk.language": "python",
                             "telemetry.sdk.name": "opentelemetry"}).merge(
            OTELResourceDetector().detect())
        self.collected = InMemorySpanExporter()
        provider = TracerProvider(resource=resource, shutdown_on_exit=False)
        provider.add_span_processor(SimpleSpanProcessor(self.collected))
        self.tracer = provider.get_tracer("toolkit")
        # The SDK reads the endpoint, headers and compression from the variables; the timeout
        # is ours unless they set one.
        timeout = None if (os.environ.get("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT")
                           or os.environ.get("OTEL_EXPORTER_OTLP_TIMEOUT")) else target.timeout_s
        self.exporter = OTLPSpanExporter(timeout=timeout)
        self.endpoint = target.endpoint

    def send(self, runs: Sequence[_Finished]) -> None:
        from opentelemetry.sdk.trace.export import SpanExportResult

        trace_ids = [_emit(self.tracer, run) for run in runs]
        spans = self.collected.get_finished_spans()
        self.collected.clear()
        if self.exporter.export(spans) is SpanExportResult.SUCCESS:
            log.info("sent %d spans to %s: traces %s", len(spans), self.endpoint,
                     ", ".join(f"{t:032x}" for t in trace_ids))
        else:
            _warn_once(f"the collector at {self.endpoint} did not take the traces (see the "
                       "exporter's message above); later ones are tried again")


# -- spans ------------------------------------------------------------------------------------

Attributes = dict[str, str | bool | int | float | Sequence[str]]


def _emit(tracer: Tracer, run: _Finished) -> int:
    """The run's spans, ended with their measured times; the root's trace id."""
    from opentelemetry import trace
    from opentelemetry.trace import Link, SpanKind, Status, StatusCode

    timing = run.timing
    attributes: Attributes
    if run.kind == "turn":
        name, attributes = f"invoke_agent {AGENT_NAME}", {
            "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": AGENT_NAME}
    else:
        name, attributes = f"invoke_workflow {WORKFLOW_NAME}", {
            "gen_ai.operation.name": "invoke_workflow", "gen_ai.workflow.name": WORKFLOW_NAME}
    provider = timing.calls[0].backend if timing.calls else "offline"
    attributes |= {"gen_ai.provider.name": provider, "gen_ai.system": provider}
    attributes |= timing_attributes(timing, f"toolkit.{run.kind}")
    if run.conversation_id is not None:
        digest = conversation_digest(run.conversation_id)
        attributes |= {"gen_ai.conversation.id": digest, "session.id": digest}
    if run.user_text is not None:
        attributes["gen_ai.input.messages"] = json.dumps(
            [{"role": "user", "parts": [{"type": "text", "content": run.user_text}]}],
            ensure_ascii=False)
    root = tracer.start_span(name, kind=SpanKind.INTERNAL, start_time=run.ns(0),
                             attributes=attributes)
    inside = trace.set_span_in_context(root)
    dump = timing.model_dump()
    if isinstance(dump.get("ttfc_ms"), int | float):
        root.add_event("first visible chunk", timestamp=run.ns(dump["ttfc_ms"]))
    on_path = set(dump.get("critical_path") or ())
    steps: list[trace.Span] = []
    for span in timing.spans:
        links = [Link(steps[i].get_span_context()) for i in span.after if 0 <= i < len(steps)]
        step = tracer.start_span(span.name, context=inside, kind=SpanKind.INTERNAL,
                                 start_time=run.ns(span.start_ms), links=links,
                                 attributes={"toolkit.step": span.name,
                                             "toolkit.critical_path": span.name in on_path})
        step.end(end_time=run.ns(span.end_ms))
        steps.append(step)
    for call in timing.calls:
        start_ms = run.call_start_ms(call)
        label = " (simulated)" if call.simulated else ""
        chat = tracer.start_span(f"chat {call.model}{label}", context=inside,
                                 kind=SpanKind.CLIENT, start_time=run.ns(start_ms),
                                 attributes=call_attributes(call))
        if call.ttft_ms is not None:
            chat.add_event("gen_ai.response.first_chunk", timestamp=run.ns(start_ms + call.ttft_ms))
        if call.error and call.error != "cancelled":
            chat.set_status(Status(StatusCode.ERROR, call.error))
        chat.end(end_time=run.ns(start_ms + call.duration_ms))
    root.end(end_time=run.ns(timing.total_ms))
    return root.get_span_context().trace_id


def call_attributes(call: ModelCall) -> Attributes:
    """One model call in the GenAI semantic conventions (`gen_ai.system` too, the name older
    backends still read), and what only the toolkit records as `toolkit.*`."""
    attributes: Attributes = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": call.backend, "gen_ai.system": call.backend,
        "gen_ai.request.model": call.model, "gen_ai.response.model": call.model,
        "gen_ai.request.stream": True,
        "toolkit.task": call.task, "toolkit.simulated": call.simulated,
        "toolkit.cached": call.cached, "toolkit.attempts": call.attempts,
        "toolkit.tokens_estimated": call.tokens_estimated,
    }
    if call.prompt_tokens is not None:
        attributes["gen_ai.usage.input_tokens"] = call.prompt_tokens
    if call.completion_tokens is not None:
        attributes["gen_ai.usage.output_tokens"] = call.completion_tokens
    if call.ttft_ms is not None:
        attributes["gen_ai.response.time_to_first_chunk"] = round(call.ttft_ms / 1000, 6)
    if call.error == "cancelled":
        attributes["toolkit.cancelled"] = True
    elif call.error:
        attributes["error.type"] = call.error.split(":", 1)[0]
    for key in ("warning", "fallback"):
        if (value := getattr(call, key)) is not None:
            attributes[f"toolkit.{key}"] = value
    return attributes


def timing_attributes(timing: RunTiming, prefix: str) -> Attributes:
    """The timing event's figures as attributes: every number and flag (nested ones by their
    path, `toolkit.syllabus.phases.outline_ms`), and the strings named in SAFE_TEXT."""
    out: Attributes = {}

    def add(key: str, value: object) -> None:
        name = key.rsplit(".", 1)[-1]
        if isinstance(value, bool | int | float):
            out[key] = value
        elif isinstance(value, dict):
            for inner, item in value.items():
                add(f"{key}.{inner}", item)
        elif name in SAFE_TEXT and isinstance(value, str):
            out[key] = value
        elif name in SAFE_TEXT and isinstance(value, list) and all(
                isinstance(v, str) for v in value):
            out[key] = list(value)

    for key, value in timing.model_dump().items():
        if key not in ("spans", "calls", "type"):
            add(f"{prefix}.{key}", value)
    return out
