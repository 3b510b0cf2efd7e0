"""The handle of one turn: iterate it for events, or await it for a `TurnResult`.

    turn = assistant.stream("krimiromaanid alla 20 euro", conversation_id="c1")
    async for event in turn: ...           # a face renders events as they come
    result = await assistant.stream(...)   # or a script takes the whole turn

The orchestrator runs as a task that puts events on a queue; the iterator reads them under the
turn's outer timeout (PARALLEL_ORCHESTRATOR_TIMEOUT), and whatever happens (a failed step, the
timeout) the stream ends with one `timing` and one `done`, and has exactly one `intent`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from dataclasses import dataclass, field
from typing import Literal

from toolkit.assistant.admission import TurnGate
from toolkit.assistant.context import GiftContext
from toolkit.assistant.events import (
    USER_VISIBLE,
    DoneEvent,
    ErrorEvent,
    Event,
    IntentEvent,
    ProductsEvent,
    SuggestionsEvent,
    TextEvent,
    TimingEvent,
)
from toolkit.core import tracing
from toolkit.core.aio import events_of
from toolkit.core.timing import TurnClock, critical_path, deadline_within
from toolkit.llm.base import CURRENT_LOG, CallLog
from toolkit.shop.search import ProductHit

log = logging.getLogger("toolkit.assistant")

Mode = Literal["parallel", "sequential"]
Language = Literal["et", "en"]
Emit = Callable[[Event], Awaitable[None]]
GENERIC_ERROR = {"et": "Vabandust, tekkis tehniline viga. Palun proovi uuesti.",
                 "en": "Sorry, something went wrong. Please try again."}
BUSY = {"et": "Abiline on praegu väga hõivatud. Palun proovi mõne hetke pärast uuesti.",
        "en": "The assistant is very busy right now. Please try again in a moment."}
# A turn cut short after its cards were shown ends with a sentence, not an apology.
LATE_AFTER_CARDS = {"et": "Ülejäänud vastus võttis liiga kaua aega; ülal on tooted, mis leidsin.",
                    "en": "The rest of the answer took too long; the products above are what I found."}


def reserve_s(timeout_s: float) -> float:
    """The part of a turn's budget kept for its fallbacks: every model call of the turn ends
    this long before the turn's timeout, so the templates can finish the answer in time."""
    return min(1.0, 0.2 * timeout_s)


@dataclass
class TurnTrace:
    """What a turn records about itself as it runs, for its timing event and its failures:
    the clock, the model calls, what the speculation did, which steps fell back to the rules.
    The steps' results themselves travel as return values, not through here."""

    clock: TurnClock = field(default_factory=TurnClock)
    calls: CallLog = field(default_factory=CallLog)
    language: Language = "et"
    speculation: str | None = None
    fallbacks: list[str] = field(default_factory=list)
    intent_sent: bool = False
    products_shown: bool = False
    writes: list[asyncio.Future[None]] = field(default_factory=list)  # memory writes started

    def note_context(self, ctx: GiftContext) -> None:
        self.language = ctx.language
        if ctx.fallback:
            self.fallbacks.append(f"gift_context: {ctx.fallback}")

    def timing(self, mode: Mode, backend: str, simulated: bool, note: str | None) -> TimingEvent:
        # A call the orchestrator cancelled (a speculation the model's context replaced) was
        # dropped, not stood in for: its record says so, the fallbacks do not.
        failed = [f"{r.task}: {r.fallback or 'rules'} ({r.error})" for r in self.calls.records
                  if r.error and r.error != "cancelled"]
        # A context that fell back because of a failed call is already listed by that call.
        own = [f for f in self.fallbacks
               if not (f.startswith("gift_context") and any(x.startswith("gift_context") for x in failed))]
        clock = self.clock
        total_ms = round(clock.now_ms(), 3)
        spans = list(clock.spans)
        path = critical_path(spans)
        return TimingEvent(
            ttfc_ms=clock.first_visible_ms, total_ms=total_ms,
            spans=spans, context_ms=clock.duration("context"),
            search_ms=clock.duration("search"), products_ms=clock.marks.get("products"),
            mode=mode, backend=backend, simulated=simulated, calls=list(self.calls.records),
            fallbacks=failed + own, speculation=self.speculation, backend_note=note,
            critical_path_ms=path.ms if spans else None, critical_path=path.names,
            span_sum_ms=path.span_sum_ms if spans else None,
            overhead_ratio=path.overhead_ratio(total_ms),
            parallel_ratio=path.parallel_ratio(total_ms))


@dataclass(frozen=True)
class TurnIO:
    """What one turn reads (the message, its conversation) and writes (events, its trace)."""

    message: str
    conversation_id: str
    emit: Emit
    trace: TurnTrace

    @property
    def clock(self) -> TurnClock:
        return self.trace.clock


@dataclass(frozen=True)
class TurnSetup:
    """How a turn is run and labelled: fixed by the assistant for each turn."""

    mode: Mode
    backend: str
    simulated: bool
    backend_note: str | None
    timeout_ms: int
    debug: bool


Orchestrator = Callable[[TurnIO], Awaitable[None]]


def failed_intent(language: Language, why: str) -> IntentEvent:
    """The intent of a turn that failed before routing: the contract wants one per turn."""
    return IntentEvent(intent="unknown", confidence=0.0, decision="conversational", signals={},
                       context=GiftContext(language=language), language=language,
                       reason=f"failed: {why}")


class Turn:
    """One turn of the conversation, run by `orchestrate` when first iterated."""

    def __init__(self, orchestrate: Orchestrator, message: str, conversation_id: str,
                 setup: TurnSetup, language: Language, gate: TurnGate) -> None:
        self._orchestrate = orchestrate
        self._setup = setup
        self._gate = gate
        self._message, self._conversation_id = message, conversation_id
        self._trace = TurnTrace(language=language)
        self._started = False

    def __aiter__(self) -> AsyncIterator[Event]:
        if self._started:
            raise RuntimeError("a turn can be iterated once; start a new one with stream()")
        self._started = True
        return self._events()

    def __await__(self) -> Generator[object, None, TurnResult]:
        return self.result().__await__()

    async def result(self) -> TurnResult:
        return TurnResult([event async for event in self])

    def _finish(self) -> list[Event]:
        setup = self._setup
        timing = self._trace.timing(setup.mode, setup.backend, setup.simulated, setup.backend_note)
        tracing.export_turn(timing, self._trace.clock, conversation_id=self._conversation_id,
                            message=self._message)
        return [timing, DoneEvent()]

    async def _produce(self, put: Callable[[Event], Awaitable[None]]) -> None:
        trace, gate, key = self._trace, self._gate, self._conversation_id

        async def emit(event: Event) -> None:
            if event.type in USER_VISIBLE:
                trace.clock.visible()
            if isinstance(event, IntentEvent):
                trace.intent_sent = True
            elif isinstance(event, ProductsEvent):
                trace.products_shown = True
            await put(event)

        CURRENT_LOG.set(trace.calls)  # this task's context: every model call of the turn
        if not gate.admit():
            log.warning("turn refused: %d turns in flight", gate.in_flight)
            await emit(failed_intent(trace.language, "busy"))
            await emit(ErrorEvent(message=BUSY[trace.language], code="busy"))
        else:
            try:
                timeout_s = self._setup.timeout_ms / 1000
                with deadline_within(timeout_s - reserve_s(timeout_s)):
                    await gate.acquire(key)  # the conversation's earlier turns go first
                    try:
                        await self._orchestrate(TurnIO(self._message, key, emit, trace))
                    except asyncio.CancelledError:
                        raise
                    except Exception as e:  # the stream must still end well; the log keeps why
                        log.exception("turn failed")
                        if not trace.intent_sent:
                            await emit(failed_intent(trace.language, type(e).__name__))
                        await emit(ErrorEvent(
                            message=f"{type(e).__name__}: {e}" if self._setup.debug
                            else GENERIC_ERROR[trace.language], code="failed"))
                    finally:
                        gate.release_after(key, trace.writes)
            finally:
                gate.leave()
        for event in self._finish():
            await emit(event)
        if self._setup.debug:
            log.info("complete %s", json.dumps({
                "conversation": key, "mode": self._setup.mode,
                "total_ms": round(trace.clock.now_ms(), 2), "ttfc_ms": trace.clock.first_visible_ms}))

    async def _events(self) -> AsyncIterator[Event]:
        timeout_s = self._setup.timeout_ms / 1000
        try:
            async for event in events_of(self._produce, last=lambda e: e.type == "done",
                                         timeout_s=timeout_s):
                yield event
        except TimeoutError:
            detail = (f"the turn took longer than {self._setup.timeout_ms} ms "
                      "(PARALLEL_ORCHESTRATOR_TIMEOUT)")
            log.warning("turn timeout: %s", detail)
            trace = self._trace
            if not trace.intent_sent:
                yield failed_intent(trace.language, "timeout")
            if trace.products_shown:  # the shopper has the cards: close, do not apologise
                trace.fallbacks.append(f"turn: {detail}; ended after the cards")
                yield TextEvent(delta=" " + LATE_AFTER_CARDS[trace.language])
            else:
                yield ErrorEvent(message=detail if self._setup.debug
                                 else GENERIC_ERROR[trace.language], code="timeout")
            for event in self._finish():
                yield event


@dataclass
class TurnResult:
    """A finished turn: every event, and the parts a script usually wants."""

    events: list[Event]

    @property
    def intent(self) -> IntentEvent | None:
        return next((e for e in self.events if isinstance(e, IntentEvent)), None)

    @property
    def decision(self) -> str | None:
        return self.intent.decision if self.intent else None

    @property
    def text(self) -> str:
        return "".join(e.delta for e in self.events if isinstance(e, TextEvent))

    @property
    def products(self) -> list[ProductHit]:
        shown = [e for e in self.events if isinstance(e, ProductsEvent)]
        return shown[-1].products if shown else []

    @property
    def suggestions(self) -> list[str]:
        items = [e for e in self.events if isinstance(e, SuggestionsEvent)]
        return items[-1].items if items else []

    @property
    def timing(self) -> TimingEvent | None:
        return next((e for e in reversed(self.events) if isinstance(e, TimingEvent)), None)

    @property
    def errors(self) -> list[str]:
        return [e.message for e in self.events if isinstance(e, ErrorEvent)]
