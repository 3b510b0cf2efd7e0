"""Syllabus generation: an outline call, one call per module, and a finalization with no model.

    generator = SyllabusGenerator.for_backend("simulated")
    run = generator.run(SyllabusRequest("andmeteadus", modules=8, mode="parallel", concurrency=3))
    async for event in run: ...          # outline, module (as each completes), progress, timing, done
    syllabus = await generator.run(...)  # or await the finished Syllabus

Prompts stay small (about 100-120 tokens; every call records its prompt tokens), and each
module's prompt carries the whole outline so modules written in parallel do not overlap (as
Skeleton-of-Thought does). `parallel` runs at most `concurrency` module calls at once; modules
stream as they complete and the syllabus keeps outline order. Set `concurrency` to the requests
the model server runs at once (Ollama's `OLLAMA_NUM_PARALLEL`, often 1; Groq or a large server:
the number of modules): past it the extra calls queue or share the server's throughput, the run
ends no sooner and late calls may time out (`benchmarks/syllabus_latency.py`, simulated servers
of 1, 2 and 4 slots: the best speed-up comes at concurrency = capacity). A model that returns
too many modules is cut to the number asked, too few is padded with offline titles, and junk
falls back to the offline outline, each with a note.

The run ends within its `timeout_s`, whatever the model does: every call runs under the run's
deadline (and the client's own first-token, stall and overall limits), the outline may use at
most half of it, and a little is kept back for the templates. A module whose call fails or
runs out of time is written from the offline template instead, and says so (`Module.fallback`,
in its event, the syllabus's notes and the Markdown): the syllabus is always whole.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Generator
from dataclasses import dataclass, replace
from typing import Any, Literal

from toolkit.core import tracing
from toolkit.core.aio import events_of, run_sync
from toolkit.core.errors import ModelError, ModelTimeout, SyllabusError
from toolkit.core.events import ErrorEvent
from toolkit.core.settings import ModelSettings
from toolkit.core.timing import TurnClock, deadline_within
from toolkit.llm import CallLog, Message, ModelClient, ModelRequest, OfflineBackend, select_backend
from toolkit.llm.base import CURRENT_LOG
from toolkit.llm.cache import CallCache
from toolkit.shop import nonsense
from toolkit.shop import text as analysis
from toolkit.shop.text import detect_language
from toolkit.syllabus import templates as syllabus_templates
from toolkit.syllabus.events import (
    ModuleEvent,
    OutlineEvent,
    OutlineModule,
    ProgressEvent,
    SyllabusDoneEvent,
    SyllabusEvent,
    SyllabusTimingEvent,
)
from toolkit.syllabus.models import Module, ModuleContent, ModuleTitle, Outline, Overlap, Syllabus

Mode = Literal["sequential", "parallel"]
Emit = Callable[[SyllabusEvent], Awaitable[None]]
logger = logging.getLogger(__name__)
MAX_MODULES = 20
MAX_TOPIC_CHARS = 200
DEFAULT_TIMEOUT_S = 300.0  # a whole run's, when the request does not say
OUTLINE_SHARE = 0.5  # the outline call may use at most this part of the run's time
# Kept back from the calls for the templates and the finalization (milliseconds of work):
# this part of the run's time, at most MAX_RESERVE_S.
RESERVE_SHARE = 0.05
MAX_RESERVE_S = 1.0


@dataclass(frozen=True)
class SyllabusRequest:
    topic: str
    modules: int = 8
    mode: Mode = "parallel"
    concurrency: int = 3
    language: str | None = None  # "et" or "en"; None: read from the topic
    # The whole run's time limit, in seconds: calls still unanswered then are written from the
    # offline template.
    timeout_s: float = DEFAULT_TIMEOUT_S

    def validated(self) -> SyllabusRequest:
        """The request with a clean topic, or a `SyllabusError` naming what is wrong."""
        if not isinstance(self.topic, str):
            raise SyllabusError(f"the topic must be text, not {type(self.topic).__name__}")
        topic = nonsense.clean(self.topic)
        if not topic:
            raise SyllabusError("the topic is empty: name what the course is about")
        if len(topic) > MAX_TOPIC_CHARS:
            # Measured on the text as given (spaces collapsed): `clean` cuts a long text at
            # 2000 characters, so its length would hide the real one.
            length = len(" ".join(self.topic.split()))
            raise SyllabusError(f"the topic is {length} characters long: keep it under "
                                f"{MAX_TOPIC_CHARS}, a course title rather than a description")
        verdict = nonsense.quick_check(topic)
        if verdict.status == "nonsense":
            raise SyllabusError(f"the topic {topic!r} does not read as a subject ({verdict.reason})")
        if not isinstance(self.modules, int) or not 1 <= self.modules <= MAX_MODULES:
            raise SyllabusError(f"modules must be a whole number from 1 to {MAX_MODULES}, "
                                f"not {self.modules!r}")
        if self.mode not in ("sequential", "parallel"):
            raise SyllabusError(f"mode must be 'sequential' or 'parallel', not {self.mode!r}")
        if not isinstance(self.concurrency, int) or self.concurrency < 1:
            raise SyllabusError(f"concurrency must be a whole number of 1 or more, "
                                f"not {self.concurrency!r}")
        if self.language not in (None, "et", "en"):
            raise SyllabusError(f"language must be 'et' or 'en', not {self.language!r}")
        if isinstance(self.timeout_s, bool) or not isinstance(self.timeout_s, int | float) or \
                not math.isfinite(self.timeout_s) or self.timeout_s <= 0:
            raise SyllabusError(f"timeout must be a number of seconds above 0, "
                                f"not {self.timeout_s!r}")
        language = self.language or detect_language(topic, "en")
        return replace(self, topic=topic, language=language)


class SyllabusRun:
    """A run: iterate it for events, or await it for the `Syllabus` (None if it failed)."""

    def __init__(self, produce: Callable[[Emit], Coroutine[Any, Any, None]]) -> None:
        self._produce = produce
        self.events: list[SyllabusEvent] = []

    def __aiter__(self) -> AsyncIterator[SyllabusEvent]:
        return self._events()

    def __await__(self) -> Generator[object, None, Syllabus | None]:
        return self.result().__await__()

    async def result(self) -> Syllabus | None:
        async for _ in self:
            pass
        done = self.events[-1] if self.events else None
        return done.syllabus if isinstance(done, SyllabusDoneEvent) else None

    async def _events(self) -> AsyncIterator[SyllabusEvent]:
        async for event in events_of(self._produce, last=lambda e: e.type == "done"):
            self.events.append(event)
            yield event


def find_overlaps(modules: list[Module], language: str = "en") -> list[Overlap]:
    """Topics that appear in more than one module, compared by their stems ("linear
    regression" and "Linear regressions" are one topic)."""
    seen: dict[frozenset[str], tuple[str, set[int]]] = {}
    for m in modules:
        for topic in m.topics:
            key = frozenset(t for t in analysis.terms(topic, language) if len(t) > 2)
            if not key:
                continue
            text, where = seen.setdefault(key, (topic, set()))
            where.add(m.number)
    return [Overlap(topic=text, modules=sorted(where)) for text, where in seen.values()
            if len(where) > 1]


class SyllabusGenerator:
    """Writes syllabi through one model client; the offline templates answer its tasks when the
    backend is offline (or simulated over offline) and stand in when a model fails."""

    def __init__(self, client: ModelClient, offline: OfflineBackend,
                 selection_reason: str | None = None) -> None:
        self.client = client
        self.selection_reason = selection_reason  # what `auto` chose, and why
        offline.register("syllabus_outline", self._offline_outline)
        offline.register("syllabus_module", self._offline_module)

    @classmethod
    def for_backend(cls, backend: str | None = None, settings: ModelSettings | None = None, *,
                    timeout_s: float | None = None, cache: CallCache | None = None) -> SyllabusGenerator:
        """A generator over the named backend (default $TOOLKIT_BACKEND, else offline), its
        calls limited as the settings say (`timeout_s`: a tighter limit per call)."""
        settings = settings or ModelSettings.from_env()
        selection = run_sync(lambda: select_backend(backend, settings))
        client = ModelClient(selection.backend,
                             timeout_s=min(timeout_s or settings.timeout_s, settings.timeout_s),
                             first_token_timeout_s=settings.first_token_timeout_s,
                             stall_timeout_s=settings.stall_timeout_s,
                             warn_after_s=settings.warn_after_s, max_retries=settings.max_retries,
                             cache=cache)
        return cls(client, selection.offline, selection.reason)

    @staticmethod
    def _offline_outline(request: ModelRequest) -> str:
        data = request.data or {}
        return json.dumps(syllabus_templates.outline(data["topic"], data["modules"],
                                                     data["language"]), ensure_ascii=False)

    @staticmethod
    def _offline_module(request: ModelRequest) -> str:
        data = request.data or {}
        return json.dumps(syllabus_templates.module(data["topic"], data["title"], data["scope"],
                                                    data["language"]), ensure_ascii=False)

    @staticmethod
    def _template_module(topic: str, title: ModuleTitle, language: str) -> ModuleContent:
        """A module from the offline template, standing in for a model that failed."""
        return ModuleContent.model_validate(
            syllabus_templates.module(topic, title.title, title.scope, language))

    def outline_request(self, topic: str, count: int, language: str) -> ModelRequest:
        in_language = "in Estonian" if language == "et" else "in English"
        return ModelRequest(task="syllabus_outline", max_tokens=500, messages=[
            Message(role="system", content="You plan university-style courses. Reply with JSON only."),
            Message(role="user", content=(
                f"Plan a course on: {topic}. Write {in_language}: a title, the audience, and "
                f"exactly {count} modules in teaching order, each with a title and a one-line "
                "scope."))],
            data={"topic": topic, "modules": count, "language": language})

    def module_request(self, topic: str, outline: Outline, number: int, language: str) -> ModelRequest:
        this = outline.modules[number - 1]
        others = "; ".join(f"{i}. {m.title}" for i, m in enumerate(outline.modules, 1))
        in_language = "in Estonian" if language == "et" else "in English"
        return ModelRequest(task="syllabus_module", max_tokens=600, messages=[
            Message(role="system", content="You write course modules. Reply with JSON only."),
            Message(role="user", content=(
                f"Course: {outline.title}. Modules: {others}. Write module {number}, "
                f"\"{this.title}\" ({this.scope}), {in_language}: 3-5 objectives, 4-6 topics not "
                "covered by the other modules, 2-3 activities, an assessment, estimated hours."))],
            data={"topic": topic, "title": this.title, "scope": this.scope, "language": language})

    def run(self, request: SyllabusRequest) -> SyllabusRun:
        request = request.validated()  # a bad request is refused before anything runs
        return SyllabusRun(lambda emit: self._produce(request, emit))

    def generate(self, request: SyllabusRequest) -> Syllabus | None:
        """The whole syllabus, from synchronous code."""
        return run_sync(lambda: self.run(request).result())

    async def _produce(self, request: SyllabusRequest, emit: Emit) -> None:
        """The run's events, ending with `timing` and `done` whatever happens: the reader of
        `events_of` waits for `done`, so nothing may escape from here."""
        clock = TurnClock()
        log = CallLog()
        CURRENT_LOG.set(log)
        syllabus = None
        try:
            syllabus = await self._write(request, clock, emit)
        except Exception as e:  # a bug: reported, not a hang and not a traceback in a face
            logger.exception("the syllabus run failed")
            await emit(ErrorEvent(message=f"the syllabus could not be written: "
                                          f"{type(e).__name__}: {e}"))
        phases = {f"{name}_ms": clock.duration(name) or 0.0
                  for name in ("outline", "modules", "finalization")}
        timing = SyllabusTimingEvent(
            total_ms=round(clock.now_ms(), 3), phases=phases, spans=list(clock.spans),
            calls=list(log.records), mode=request.mode,
            concurrency=request.concurrency if request.mode == "parallel" else 1,
            backend=self.client.label, simulated=self.client.backend.simulated)
        tracing.export_syllabus_run(timing, clock, topic=request.topic)
        await emit(timing)
        await emit(SyllabusDoneEvent(syllabus=syllabus))

    async def _write(self, request: SyllabusRequest, clock: TurnClock, emit: Emit) -> Syllabus:
        language = request.language or "en"
        # Every call ends by the deadline (the client sees it): what is left is for the
        # templates and the finalization, which take milliseconds.
        calls_s = request.timeout_s - min(MAX_RESERVE_S, request.timeout_s * RESERVE_SHARE)
        with deadline_within(calls_s):
            with clock.span("outline"), deadline_within(calls_s * OUTLINE_SHARE):
                outline, notes = await self._outline(request, language)
            await emit(OutlineEvent(
                title=outline.title, audience=outline.audience, note="; ".join(notes) or None,
                modules=[OutlineModule(number=i, title=m.title, scope=m.scope)
                         for i, m in enumerate(outline.modules, 1)]))
            with clock.span("modules"):
                modules = await self._modules(request, outline, language, clock, emit)
        with clock.span("finalization"):
            ordered = sorted(modules.values(), key=lambda m: m.number)
            if self.client.backend.name == "offline":
                notes.append("Written offline from templates: no model was used.")
            elif stand_ins := [m for m in ordered if m.fallback]:
                notes.append(f"{len(stand_ins)} of {len(ordered)} modules were written from the "
                             "offline template: the model failed or did not answer in time "
                             "(each module says why).")
            return Syllabus(
                topic=request.topic, title=outline.title, audience=outline.audience,
                language=language, modules=ordered,
                total_hours=round(sum(m.estimated_hours for m in ordered), 2),
                overlaps=find_overlaps(ordered, language), notes=notes, backend=self.client.label,
                simulated=self.client.backend.simulated)

    async def _outline(self, request: SyllabusRequest, language: str) -> tuple[Outline, list[str]]:
        notes: list[str] = []
        fallback = Outline.model_validate(
            syllabus_templates.outline(request.topic, request.modules, language))
        started = time.perf_counter()
        try:
            outline = await self.client.complete_json(
                self.outline_request(request.topic, request.modules, language), Outline)
        except ModelError as e:
            notes.append(f"The outline was written from the offline template: "
                         f"{_why(e, started)}.")
            return fallback, notes
        got = len(outline.modules)
        if got > request.modules:
            outline.modules = outline.modules[: request.modules]
            notes.append(f"The model planned {got} modules; the first {request.modules} were kept.")
        elif got < request.modules:
            taken = {analysis.fold(m.title) for m in outline.modules}
            extra = [m for m in fallback.modules if analysis.fold(m.title) not in taken]
            outline.modules += extra[: request.modules - got]
            notes.append(f"The model planned {got} modules; {request.modules - got} offline "
                         "titles were added.")
        return outline, notes

    async def _modules(self, request: SyllabusRequest, outline: Outline, language: str,
                       clock: TurnClock, emit: Emit) -> dict[int, Module]:
        """Every module of the outline: the model's, or the template's when its call fails."""
        limit = asyncio.Semaphore(request.concurrency if request.mode == "parallel" else 1)
        modules: dict[int, Module] = {}
        total = len(outline.modules)

        async def write(number: int) -> None:
            title = outline.modules[number - 1]
            async with limit:
                own = CallLog()
                fallback = None
                started = time.perf_counter()
                with clock.span(f"module {number}"):
                    try:
                        content = await self.client.complete_json(
                            self.module_request(request.topic, outline, number, language),
                            ModuleContent, log=own)
                    except ModelError as e:
                        content = self._template_module(request.topic, title, language)
                        fallback = f"Written from the offline template: {_why(e, started)}."
                    finally:
                        log = CURRENT_LOG.get()
                        if log is not None:
                            log.records.extend(own.records)
                record = own.records[-1] if own.records else None
                if record is not None and fallback:
                    record.fallback = "offline template"
                module = Module(number=number, title=title.title, scope=title.scope,
                                fallback=fallback, **content.model_dump())
                modules[number] = module
                await emit(ModuleEvent(number=number, module=module, call=record))
                await emit(ProgressEvent(done=len(modules), failed=0, total=total))

        await asyncio.gather(*(write(n) for n in range(1, total + 1)))
        return modules


def _why(error: ModelError, started: float) -> str:
    """Why a call gave nothing usable, for the reader of the syllabus (the call's record in the
    timing event has the details)."""
    if isinstance(error, ModelTimeout):
        took = time.perf_counter() - started
        if took < 0.05:  # the call came after the run's deadline had passed
            return "the run had no time left for the model"
        return f"the model did not finish its answer within {took:.1f} s"
    return f"the model's answer failed ({type(error).__name__}: {error})"
