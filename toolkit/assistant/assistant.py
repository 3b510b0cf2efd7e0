"""The shop assistant: two orchestrators over the same steps, yielding the event protocol.

    assistant = Assistant.open()                       # the default catalog, offline
    async for event in assistant.stream("krimiromaanid alla 20 euro", conversation_id="c1"):
        ...
    result = await assistant.stream("näita veel", conversation_id="c1")   # or await it whole
    result = assistant.ask("näita veel", conversation_id="c1")            # from sync code

`parallel` (the default) overlaps independent work: the memory lookup runs beside validation,
the answer's opening streams while the search runs, and memory is saved while the answer ends.
`sequential` is the baseline: validate, then memory, context, search, answer, one after another.
Both emit intent -> [skeleton] -> [text, products, text] -> suggestions -> timing -> done, and a
turn that fails or outlives PARALLEL_ORCHESTRATOR_TIMEOUT still ends with `error`, `timing`
and `done`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from toolkit.assistant import validation
from toolkit.assistant.answer import (
    AnswerWriter,
    TemplateAnswerWriter,
    chunks,
    clarify_reply,
    conversational_reply,
    inquiry_reply,
    no_results_reply,
    refine_reply,
    safety_preface,
    search_suggestions,
)
from toolkit.assistant.context import (
    ContextExtractor,
    GiftContext,
    MemoryView,
    RuleContextExtractor,
)
from toolkit.assistant.memory import (
    ConversationMemory,
    ConversationState,
    SearchPlan,
    carry_over,
    plan_search,
    remember_turn,
    state_summary,
)
from toolkit.assistant.model_steps import ModelAnswerWriter, ModelContextExtractor, ModelValidator
from toolkit.assistant.routing import Route, route
from toolkit.assistant.validation import QueryValidator, RuleValidator
from toolkit.core.aio import events_of, run_sync
from toolkit.core.events import (
    USER_VISIBLE,
    DoneEvent,
    ErrorEvent,
    Event,
    IntentEvent,
    ProductsEvent,
    SkeletonEvent,
    SuggestionsEvent,
    TextEvent,
    TimingEvent,
)
from toolkit.core.settings import AssistantSettings, ModelSettings
from toolkit.core.timing import TurnClock
from toolkit.llm import ModelClient, Selection, select_backend
from toolkit.llm.base import CURRENT_LOG, CallLog
from toolkit.llm.cache import CallCache
from toolkit.shop import nonsense
from toolkit.shop.catalog import Catalog
from toolkit.shop.search import SearchResult, known_word_count, search_products
from toolkit.shop.taxonomy import Taxonomy
from toolkit.shop.text import detect_language

log = logging.getLogger("toolkit.assistant")

Mode = Literal["parallel", "sequential"]
CARDS = 3  # product cards shown per turn
GENERIC_ERROR = {"et": "Vabandust, tekkis tehniline viga. Palun proovi uuesti.",
                 "en": "Sorry, something went wrong. Please try again."}
Emit = Callable[[Event], Awaitable[None]]


@dataclass
class TurnResult:
    """A finished turn: every event, and the parts a script usually wants."""

    events: list[Event]

    def _of(self, kind: str) -> list:
        return [e for e in self.events if e.type == kind]

    @property
    def decision(self) -> str | None:
        intents = self._of("intent")
        return intents[0].decision if intents else None

    @property
    def intent(self) -> IntentEvent | None:
        intents = self._of("intent")
        return intents[0] if intents else None

    @property
    def text(self) -> str:
        return "".join(e.delta for e in self._of("text"))

    @property
    def products(self) -> list[dict]:
        shown = self._of("products")
        return shown[-1].products if shown else []

    @property
    def suggestions(self) -> list[str]:
        items = self._of("suggestions")
        return items[-1].items if items else []

    @property
    def timing(self) -> TimingEvent | None:
        timings = self._of("timing")
        return timings[-1] if timings else None

    @property
    def errors(self) -> list[str]:
        return [e.message for e in self._of("error")]


class Turn:
    """One turn of the conversation: iterate it for events, or await it for a `TurnResult`.

    The orchestrator runs as a task that puts events on a queue; the iterator reads them under
    the turn's outer timeout, and on timeout ends the stream itself with error, timing, done.
    """

    def __init__(self, produce: Callable[[Emit, TurnClock], Awaitable[None]], *,
                 timeout_ms: int, mode: Mode, backend: str, debug: bool, language: str,
                 simulated: bool = False) -> None:
        self._produce = produce
        self._timeout_s = timeout_ms / 1000
        self._mode, self._backend, self._debug, self._language = mode, backend, debug, language
        self._simulated = simulated
        self._started = False
        self._turn: _TurnState | None = None  # set by the producer, read on timeout

    def __aiter__(self) -> AsyncIterator[Event]:
        if self._started:
            raise RuntimeError("a turn can be iterated once; start a new one with stream()")
        self._started = True
        return self._events()

    def __await__(self):
        return self.result().__await__()

    async def result(self) -> TurnResult:
        return TurnResult([event async for event in self])

    async def _events(self) -> AsyncIterator[Event]:
        clock = TurnClock()

        async def produce(put: Callable[[Event], Awaitable[None]]) -> None:
            async def emit(event: Event) -> None:
                if event.type in USER_VISIBLE:
                    clock.visible()
                await put(event)

            await self._produce(emit, clock)

        routed = False
        try:
            async for event in events_of(produce, last=lambda e: e.type == "done",
                                         timeout_s=self._timeout_s):
                routed |= event.type == "intent"
                yield event
        except TimeoutError:
            detail = f"the turn took longer than {self._timeout_s * 1000:.0f} ms " \
                     "(PARALLEL_ORCHESTRATOR_TIMEOUT)"
            log.warning("turn timeout: %s", detail)
            if not routed:
                yield failed_intent(self._language, "timeout")
            yield ErrorEvent(message=detail if self._debug else GENERIC_ERROR[self._language])
            yield _timing(clock, self._mode, self._backend, self._turn, self._simulated)
            yield DoneEvent()


def failed_intent(language: str, step: str) -> IntentEvent:
    """The intent of a turn that failed before routing: the contract wants one per turn."""
    return IntentEvent(intent="unknown", confidence=0.0, decision="conversational", signals={},
                       context={"failed": step}, language=language)


def _timing(clock: TurnClock, mode: str, backend: str, turn: _TurnState | None = None,
            simulated: bool = False, note: str | None = None) -> TimingEvent:
    calls = turn.calls.records if turn else []
    fallbacks = [f"{r.task}: {r.fallback or 'rules'} ({r.error})" for r in calls if r.error]
    if turn and turn.ctx and turn.ctx.fallback and not any(f.startswith("gift_context") for f in fallbacks):
        fallbacks.append(f"gift_context: {turn.ctx.fallback}")
    return TimingEvent(
        ttfc_ms=clock.first_visible_ms, total_ms=round(clock.now_ms(), 3), spans=list(clock.spans),
        context_ms=clock.duration("context"), search_ms=clock.duration("search"),
        products_ms=clock.marks.get("products"), mode=mode, backend=backend, simulated=simulated,
        calls=[r.model_dump(mode="json") for r in calls], fallbacks=fallbacks,
        speculation=turn.speculation if turn else None, backend_note=note,
    )


@dataclass
class _TurnState:
    """Everything one turn learns as it goes; the steps read and fill it."""

    message: str
    conversation_id: str
    clock: TurnClock
    emit: Emit
    verdict: nonsense.Verdict | None = None
    memory: ConversationState = field(default_factory=ConversationState)
    ctx: GiftContext | None = None
    route: Route | None = None
    plan: SearchPlan | None = None
    result: SearchResult | None = None
    shown: list[dict] = field(default_factory=list)
    candidates: list[dict] = field(default_factory=list)
    refined: bool = False  # the nonsense path emitted its own intent
    skeleton_sent: bool = False
    speculation: str | None = None
    context_task: asyncio.Task | None = None
    fast_ctx: GiftContext | None = None
    speculative_answer: _BufferedStream | None = None
    calls: CallLog = field(default_factory=CallLog)


class Assistant:
    """The gift and book shop assistant over one catalog."""

    def __init__(self, catalog: Catalog, *, settings: AssistantSettings | None = None,
                 selection: Selection | None = None, model_settings: ModelSettings | None = None,
                 extractor: ContextExtractor | None = None,
                 validator: QueryValidator | None = None, writer: AnswerWriter | None = None,
                 memory: ConversationMemory | None = None) -> None:
        self.catalog = catalog
        self.settings = settings or AssistantSettings.from_env()
        self.taxonomy = Taxonomy.from_catalog(catalog)
        self.memory = memory or ConversationMemory(catalog, persist=self.settings.persist_memory)
        self.rules = RuleContextExtractor(self.taxonomy)
        rule_validator = RuleValidator(lambda text: known_word_count(catalog, text),
                                       extra_words=_ASSISTANT_WORDS)
        self.selection = selection
        self.model_backed = selection is not None and selection.backend.name != "offline"
        self.backend = selection.label if selection else "offline"
        self.simulated = bool(selection and selection.backend.simulated)
        self.extractor, self.validator, self.writer = self.rules, rule_validator, TemplateAnswerWriter()
        if self.model_backed:
            model_settings = model_settings or ModelSettings.from_env()
            client = ModelClient(
                selection.backend, timeout_s=model_settings.timeout_s,
                warn_after_s=model_settings.warn_after_s, max_retries=model_settings.max_retries,
                cache=CallCache(catalog) if model_settings.cache else None)
            self.extractor = ModelContextExtractor(
                client.with_timeout(self.settings.context_timeout_ms / 1000), self.rules,
                self.taxonomy, selection.offline)
            self.validator = ModelValidator(
                client.with_timeout(self.settings.fast_classifier_timeout_ms / 1000),
                rule_validator, selection.offline)
            self.writer = ModelAnswerWriter(client, selection.offline)
        self.extractor = extractor or self.extractor
        self.validator = validator or self.validator
        self.writer = writer or self.writer
        self._owns_catalog = False

    @classmethod
    def open(cls, db: Path | str | None = None, *, backend: str | None = None,
             model_settings: ModelSettings | None = None, **options) -> Assistant:
        """An assistant over the catalog at `db` (default location if None), with the backend
        named (default: $TOOLKIT_BACKEND, else offline; `auto` probes and says what it chose)."""
        model_settings = model_settings or ModelSettings.from_env()
        selection = run_sync(lambda: select_backend(backend, model_settings))
        assistant = cls(Catalog.open(db), selection=selection, model_settings=model_settings,
                        **options)
        assistant._owns_catalog = True
        return assistant

    def close(self) -> None:
        if self._owns_catalog:
            self.catalog.close()

    def __enter__(self) -> Assistant:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- entry points ----------------------------------------------------------------------

    def stream(self, message: object, conversation_id: str = "default", *,
               mode: Mode | None = None) -> Turn:
        """A turn for `message`: `async for event in ...` or `await ...`."""
        mode = mode or ("parallel" if self.settings.parallel else "sequential")
        if mode not in ("parallel", "sequential"):
            raise ValueError(f"mode must be 'parallel' or 'sequential', not {mode!r}")
        text = nonsense.clean(message)
        conversation_id = nonsense.clean(conversation_id)[:200] or "default"
        orchestrate = self._parallel if mode == "parallel" else self._sequential

        async def produce(emit: Emit, clock: TurnClock) -> None:
            turn = _TurnState(text, conversation_id, clock, emit)
            handle._turn = turn
            CURRENT_LOG.set(turn.calls)  # this task's context: every model call of the turn
            try:
                await orchestrate(turn)
            except asyncio.CancelledError:
                raise
            except Exception as e:  # the stream must still end well; the log keeps the detail
                log.exception("turn failed")
                language = turn.ctx.language if turn.ctx else detect_language(text)
                if turn.route is None and not turn.refined:
                    await emit(failed_intent(language, type(e).__name__))
                await emit(ErrorEvent(message=f"{type(e).__name__}: {e}" if self.settings.debug
                                      else GENERIC_ERROR[language]))
            await emit(_timing(clock, mode, self.backend, turn, self.simulated,
                               self.selection.reason if self.selection else None))
            await emit(DoneEvent())
            self._debug("complete", conversation=conversation_id, total_ms=round(clock.now_ms(), 2),
                        ttfc_ms=clock.first_visible_ms, mode=mode)

        handle = Turn(produce, timeout_ms=self.settings.turn_timeout_ms, mode=mode,
                      backend=self.backend, debug=self.settings.debug,
                      language=detect_language(text), simulated=self.simulated)
        return handle

    def ask(self, message: object, conversation_id: str = "default", *,
            mode: Mode | None = None) -> TurnResult:
        """The whole turn, from synchronous code."""
        return run_sync(lambda: self.stream(message, conversation_id, mode=mode).result())

    # -- orchestrators -----------------------------------------------------------------------

    async def _parallel(self, turn: _TurnState) -> None:
        clock = turn.clock
        memory_task = asyncio.create_task(self._load_memory(turn))
        if not await self._validate(turn):
            memory_task.cancel()
            return await self._refine(turn)
        await memory_task
        speculative = None
        if self.model_backed:
            speculative = await self._fast_path(turn)
            turn.ctx = await turn.context_task
            with clock.span("routing"):
                turn.route = self._route(turn, turn.ctx)
            revised = "search" if turn.skeleton_sent and turn.route.decision != "search" else None
            await self._announce(turn, revised_from=revised)
        else:
            await self._understand(turn)
        if turn.route.decision != "search":
            if speculative is not None:
                speculative[1].cancel()
                turn.speculative_answer.cancel()
                turn.speculation = "cancelled: the model routed elsewhere"
            return await self._answer_without_search(turn)
        if not turn.skeleton_sent:
            await turn.emit(SkeletonEvent(count=CARDS))
        ready = None
        answer = None
        if speculative is not None:
            plan, task = speculative
            if _same_search(plan, plan_search(turn.ctx, turn.memory)):
                ready, turn.speculation = task, "kept: the model's context gives the same search"
                if _same_answer(turn.fast_ctx, turn.ctx):
                    answer = turn.speculative_answer  # already written, or being written
            else:
                task.cancel()
                turn.speculation = "replaced: the model's context changed the search"
            if answer is None:
                turn.speculative_answer.cancel()
        search_task = asyncio.create_task(self._search(turn, ready))
        with clock.span("answer"):
            async for part in self.writer.preface(turn.ctx):  # streams while the search runs
                await turn.emit(TextEvent(delta=part))
        await search_task
        if not turn.shown:
            return await self._no_results(turn)
        await self._cards(turn, stage="early" if self.model_backed else "final")
        save_task = asyncio.create_task(self._save(turn))
        if answer is not None:
            async for part in answer:
                await turn.emit(TextEvent(delta=part))
        else:
            with clock.span("answer"):
                async for part in self.writer.body(turn.ctx, turn.shown):
                    await turn.emit(TextEvent(delta=part))
        if self.model_backed:  # the same cards again, with what the answer added
            await self._cards(turn, stage="final")
        await self._suggest(turn, search_suggestions(turn.ctx, turn.shown))
        await save_task

    async def _fast_path(self, turn: _TurnState) -> tuple[SearchPlan, asyncio.Task] | None:
        """With a model: start its context, and meanwhile read the message with the rules. When
        the rules are sure it is a search, send the skeleton now, start that search and, on its
        results, the answer, buffered until the model's context confirms them."""
        turn.context_task = asyncio.create_task(self._context(turn))
        fast = self.rules.extract_now(turn.message, self._view(turn))
        fast_route = self._route(turn, fast)
        if fast_route.decision != "search" or not _sure(fast, turn.memory):
            return None
        await turn.emit(SkeletonEvent(count=CARDS))
        turn.skeleton_sent = True
        turn.fast_ctx = fast
        plan = plan_search(fast, turn.memory)
        search = asyncio.create_task(self._execute(turn, plan))
        turn.speculative_answer = _BufferedStream(self._speculative_body(turn, search, fast))
        return plan, search

    async def _speculative_body(self, turn: _TurnState, search: asyncio.Task,
                                fast: GiftContext) -> AsyncIterator[str]:
        _, found = await search
        if not found:
            return
        with turn.clock.span("answer"):
            async for part in self.writer.body(fast, found[:CARDS]):
                yield part

    async def _sequential(self, turn: _TurnState) -> None:
        clock = turn.clock
        if not await self._validate(turn):
            return await self._refine(turn)
        await self._load_memory(turn)
        await self._understand(turn)
        if turn.route.decision != "search":
            return await self._answer_without_search(turn)
        await turn.emit(SkeletonEvent(count=CARDS))
        await self._search(turn)
        if not turn.shown:
            return await self._no_results(turn)
        with clock.span("answer"):
            async for part in self.writer.preface(turn.ctx):
                await turn.emit(TextEvent(delta=part))
        await self._cards(turn)
        with clock.span("answer"):
            async for part in self.writer.body(turn.ctx, turn.shown):
                await turn.emit(TextEvent(delta=part))
        await self._suggest(turn, search_suggestions(turn.ctx, turn.shown))
        await self._save(turn)

    # -- steps -----------------------------------------------------------------------------

    async def _validate(self, turn: _TurnState) -> bool:
        """False when the message is nonsense (the turn then only refines)."""
        with turn.clock.span("validate"):
            turn.verdict = nonsense.quick_check(turn.message)
            if turn.verdict.status == "suspicious":
                checked = await asyncio.wait_for(
                    self.validator.validate(turn.message, detect_language(turn.message)),
                    self.settings.fast_classifier_timeout_ms / 1000)
                if not checked.is_sensible and checked.confidence > validation.REJECT_CONFIDENCE:
                    turn.verdict = nonsense.Verdict("nonsense", f"validator: {checked.reason}")
        self._debug("validation", status=turn.verdict.status, reason=turn.verdict.reason)
        return turn.verdict.status != "nonsense"

    async def _load_memory(self, turn: _TurnState) -> None:
        with turn.clock.span("memory_load"):
            turn.memory = await asyncio.to_thread(self.memory.load, turn.conversation_id)

    def _view(self, turn: _TurnState) -> MemoryView:
        state = turn.memory
        return MemoryView(last_author=state.last_author, shown=state.last_products,
                          language=state.language)

    async def _context(self, turn: _TurnState) -> GiftContext:
        """The context from the configured extractor, within CONTEXT_EXTRACTION_TIMEOUT_MS;
        when a model takes longer, the rules' reading, marked as a fallback."""
        view = self._view(turn)
        with turn.clock.span("context"):
            try:
                ctx = await asyncio.wait_for(self.extractor.extract(turn.message, view),
                                             self.settings.context_timeout_ms / 1000)
            except TimeoutError:
                if not self.model_backed:
                    raise
                ctx = self.rules.extract_now(turn.message, view)
                ctx.fallback = "rules: the model took longer than CONTEXT_EXTRACTION_TIMEOUT_MS"
        return ctx

    def _route(self, turn: _TurnState, ctx: GiftContext) -> Route:
        state = turn.memory
        carry_over(ctx, state, self.taxonomy)
        return route(ctx, nonsense=False, has_history=bool(state.last_products or state.last_query),
                     known_words=known_word_count(self.catalog, ctx.search_text),
                     gift_type=self.taxonomy.gift_type)

    async def _announce(self, turn: _TurnState, revised_from: str | None = None) -> None:
        self._debug("context", intent=turn.ctx.intent, confidence=turn.ctx.confidence,
                    context=turn.ctx.model_dump(exclude_defaults=True))
        self._debug("routing", decision=turn.route.decision, reason=turn.route.reason,
                    signals=turn.route.signals)
        await turn.emit(IntentEvent(
            intent=turn.ctx.intent, confidence=turn.ctx.confidence, decision=turn.route.decision,
            signals=turn.route.signals, context=turn.ctx.model_dump(mode="json"),
            language=turn.ctx.language, revised_from=revised_from))

    async def _understand(self, turn: _TurnState) -> None:
        """Context extraction, memory carry-over and routing; emits the intent event."""
        turn.ctx = await self._context(turn)
        with turn.clock.span("routing"):
            turn.route = self._route(turn, turn.ctx)
        await self._announce(turn)

    async def _execute(self, turn: _TurnState, plan: SearchPlan) -> tuple[SearchResult | None, list[dict]]:
        """Products for a plan: from memory, or the catalog within SEARCH_TIMEOUT_MS."""
        with turn.clock.span("search"):
            if plan.from_memory is not None:
                return None, plan.from_memory
            result = await asyncio.wait_for(asyncio.to_thread(self._run_search, plan),
                                            self.settings.search_timeout_ms / 1000)
            return result, [p.model_dump() for p in result.products]

    async def _search(self, turn: _TurnState, ready: asyncio.Task | None = None) -> None:
        """Memory first, then the catalog; fills turn.shown and turn.candidates. `ready` is a
        speculative search already running for the same plan."""
        turn.plan = plan_search(turn.ctx, turn.memory)
        if ready is not None:
            turn.result, found = await ready
        else:
            turn.result, found = await self._execute(turn, turn.plan)
        turn.shown, turn.candidates = found[:CARDS], found[CARDS:]
        self._debug("search", source="memory" if turn.plan.from_memory is not None else "catalog",
                    products=len(found), notes=turn.plan.notes, speculation=turn.speculation,
                    metrics=turn.result.metrics.model_dump() if turn.result else None)

    def _run_search(self, plan: SearchPlan) -> SearchResult:
        result = search_products(self.catalog, plan.query, plan.filters, hints=plan.hints,
                                 sort=plan.sort, limit=12)
        if not result.products and any(w.code == "no_text_match" for w in result.warnings) and (
                plan.filters.product_types or plan.filters.categories or plan.filters.authors
                or plan.filters.has_budget or plan.filters.age is not None):
            # The words are unknown to the catalog but the filters say what is wanted: browse.
            result = search_products(self.catalog, "", plan.filters, hints=plan.hints,
                                     sort=plan.sort, limit=12)
        return result

    async def _cards(self, turn: _TurnState, stage: str = "final") -> None:
        """The products event. With a model it comes twice: `early`, as soon as the search is
        done, and `final`, the same cards after the answer, with its calls in the metadata."""
        preface = safety_preface(turn.ctx, turn.result)
        if preface and not (stage == "final" and self.model_backed):  # said once, before cards
            for part in chunks(" " + preface):
                await turn.emit(TextEvent(delta=part))
        with turn.clock.span("products"):
            result = turn.result
            metadata = {
                "query": turn.plan.query,
                "hints": turn.plan.hints,
                "product_type": turn.ctx.product_type,
                "category": turn.ctx.category,
                "category_hints": turn.ctx.category_hints,
                "source": "memory" if turn.plan.from_memory is not None else "search",
                "memory_notes": turn.plan.notes,
                "search": {
                    "time_ms": turn.clock.duration("search"),
                    "metrics": result.metrics.model_dump() if result else None,
                    "diversity": result.diversity.model_dump() if result else None,
                    "warnings": [w.model_dump() for w in result.warnings] if result else [],
                    "filters": turn.plan.filters.model_dump(mode="json"),
                },
                "safety_preface": preface,
                "suggestions": search_suggestions(turn.ctx, turn.shown),
                "context": turn.ctx.model_dump(mode="json"),
                "stage": stage,
                "refines": stage == "final" and self.model_backed,  # same ids as the early event
                "speculation": turn.speculation,
                "model_calls": [r.model_dump(mode="json") for r in turn.calls.records],
            }
            cards = [_card(p) for p in turn.shown]
        turn.clock.mark("products")
        await turn.emit(ProductsEvent(products=cards, metadata=metadata))
        self._debug("products", ids=[p["id"] for p in cards], source=metadata["source"])

    async def _suggest(self, turn: _TurnState, items: list[str]) -> None:
        with turn.clock.span("suggestions"):
            await turn.emit(SuggestionsEvent(items=items))

    async def _save(self, turn: _TurnState) -> None:
        with turn.clock.span("memory_save"):
            remember_turn(turn.memory, turn.ctx, plan=turn.plan, shown=turn.shown,
                          candidates=turn.candidates)
            await asyncio.to_thread(
                self.memory.save, turn.conversation_id, turn.memory, message=turn.message,
                intent=turn.ctx.intent, decision=turn.route.decision,
                product_ids=[p["id"] for p in turn.shown])
        self._debug("memory", conversation=turn.conversation_id, state=state_summary(turn.memory))

    async def _say(self, turn: _TurnState, text: str, suggestions: list[str]) -> None:
        with turn.clock.span("answer"):
            for part in chunks(text):
                await turn.emit(TextEvent(delta=part))
        await self._suggest(turn, suggestions)

    async def _refine(self, turn: _TurnState) -> None:
        turn.refined = True
        language = detect_language(turn.message)
        await turn.emit(IntentEvent(
            intent="nonsense", confidence=0.9, decision="refine", signals={},
            context={"reason": turn.verdict.reason}, language=language))
        await self._say(turn, *refine_reply(language, turn.verdict.reason))

    async def _answer_without_search(self, turn: _TurnState) -> None:
        ctx, decision = turn.ctx, turn.route.decision
        if decision == "clarify":
            text, suggestions = clarify_reply(ctx)
        elif decision == "inquiry":
            product = await asyncio.to_thread(self._inquired_product, turn)
            text, suggestions = inquiry_reply(ctx, product)
            turn.shown = [product] if product else []
        else:
            text, suggestions = conversational_reply(ctx)
        save_task = asyncio.create_task(self._save_plain(turn))
        await self._say(turn, text, suggestions)
        await save_task

    async def _save_plain(self, turn: _TurnState) -> None:
        """Remember a turn that showed no new cards (authors asked about, language, count)."""
        with turn.clock.span("memory_save"):
            remember_turn(turn.memory, turn.ctx, plan=None, shown=turn.shown, candidates=[])
            await asyncio.to_thread(
                self.memory.save, turn.conversation_id, turn.memory, message=turn.message,
                intent=turn.ctx.intent, decision=turn.route.decision, product_ids=[])

    def _inquired_product(self, turn: _TurnState) -> dict | None:
        """The shown product asked about: by id, exact title, partial title or position."""
        shown = turn.memory.last_products
        inquiry = turn.ctx.product_inquiry
        if not shown or inquiry is None:
            return None
        product = None
        if inquiry.product_id:
            product = next((p for p in shown if p.get("id") == inquiry.product_id), None)
        if product is None and inquiry.product_name:
            name = _plain(inquiry.product_name)
            product = next((p for p in shown if _plain(p.get("title", "")) == name), None) or \
                next((p for p in shown if name and name in _plain(p.get("title", ""))), None)
        if product is None and inquiry.ordinal:
            index = inquiry.ordinal - 1 if inquiry.ordinal > 0 else inquiry.ordinal
            product = shown[index] if -len(shown) <= index < len(shown) else None
        if product is not None and not product.get("description"):  # hydrate from the catalog
            product = (self.catalog.products_by_id([product["id"]]) or [product])[0]
        return product

    async def _no_results(self, turn: _TurnState) -> None:
        ideas = await asyncio.to_thread(self._refinement_ideas, turn)
        await self._say(turn, *no_results_reply(turn.ctx, ideas))
        await self._save(turn)

    def _refinement_ideas(self, turn: _TurnState) -> dict:
        """Concrete ways out of an empty result: the nearest price, other categories."""
        filters = turn.plan.filters
        ideas: dict = {"categories": [c for c in self.taxonomy.largest_categories(4)
                                      if c not in filters.categories][:3]}
        if filters.has_budget:
            wider = search_products(self.catalog, turn.plan.query, filters.without_budget(),
                                    sort="price_asc", limit=1)
            if wider.products:
                cheapest = wider.products[0].price
                ideas["cheapest_price"] = cheapest
                ideas["suggested_max"] = max(cheapest, (filters.max_price or 0)) + 5
        return ideas

    def _debug(self, step: str, **fields: object) -> None:
        if self.settings.debug:
            log.info("%s %s", step, json.dumps(fields, ensure_ascii=False, default=str))


_ASSISTANT_WORDS = {"tere", "hello", "hi", "aitah", "thanks", "veel", "more", "odavam", "cheaper"}


def _sure(fast: GiftContext, state: ConversationState) -> bool:
    """The rules alone are sure this is a search: something named explicitly, or a follow-up
    to products already shown."""
    if fast.confidence < 0.85:
        return False
    if fast.intent in ("show_more_products", "cheaper_alternatives", "cheapest"):
        return bool(state.last_products)
    return bool(fast.explicit_type or fast.explicit_category or
                (fast.authors and not fast.author_pronoun) or fast.author_pronoun and state.authors)


def _same_answer(fast: GiftContext, final: GiftContext) -> bool:
    """The answer written for the fast context says nothing the final one would say otherwise."""
    keys = ("language", "recipient", "occasion", "budget", "age", "intent", "authors")
    return all(getattr(fast, k) == getattr(final, k) for k in keys)


class _BufferedStream:
    """Runs an async generator now, keeping its parts until someone reads them."""

    def __init__(self, source: AsyncIterator[str]) -> None:
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._task = asyncio.create_task(self._fill(source))

    async def _fill(self, source: AsyncIterator[str]) -> None:
        try:
            async for part in source:
                await self._queue.put(part)
        finally:
            await self._queue.put(None)

    def cancel(self) -> None:
        self._task.cancel()

    def __aiter__(self) -> AsyncIterator[str]:
        return self._drain()

    async def _drain(self) -> AsyncIterator[str]:
        while (part := await self._queue.get()) is not None:
            yield part
        await self._task  # re-raise what the source raised


def _same_search(a: SearchPlan, b: SearchPlan) -> bool:
    return (a.query, a.hints, a.filters, a.sort, a.from_memory is None) == (
        b.query, b.hints, b.filters, b.sort, b.from_memory is None)


def _plain(text: str) -> str:
    return re.sub(r"[^\w]+", " ", text.lower()).strip()


def _card(product: dict) -> dict:
    """A product as a card: the protocol's fields first, and the ones a face may show."""
    keys = ("id", "title", "author", "price", "product_type", "category", "in_popular_list",
            "image_url", "language", "age_min", "age_max", "description", "outside_budget",
            "score")
    return {k: product.get(k) for k in keys if k in product or k in ("author", "image_url")}
