"""The assistant's steps, bound to one catalog and its backends, as the orchestrators call them.

Each step takes the previous steps' typed results and returns its own; each measures itself
as a span on the turn's clock and writes a debug log line when CHAT_DEBUG_LOGS is on. The
steps know nothing of their order: that is the orchestrators' (`toolkit.assistant.orchestrate`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from typing import TypeVar

from toolkit.assistant.answer import AnswerWriter, chunks, safety_preface, search_suggestions
from toolkit.assistant.context import ContextExtractor, GiftContext, MemoryView
from toolkit.assistant.events import (
    IntentEvent,
    ProductsEvent,
    ProductsMetadata,
    SearchInfo,
    SpeculationOutcome,
    SuggestionsEvent,
    TextEvent,
)
from toolkit.assistant.memory import (
    ConversationMemory,
    ConversationState,
    remember_turn,
    state_summary,
)
from toolkit.assistant.routing import Route, carry_over, route
from toolkit.assistant.rules import RuleContextExtractor
from toolkit.assistant.search import Found, SearchPlan, find, still_in_catalog
from toolkit.assistant.turn import TurnIO
from toolkit.assistant.validation import REJECT_CONFIDENCE, QueryValidator, ValidationResult
from toolkit.core.settings import AssistantSettings
from toolkit.core.timing import deadline_within
from toolkit.shop import nonsense
from toolkit.shop.catalog import Catalog
from toolkit.shop.search import ProductHit, known_word_count
from toolkit.shop.taxonomy import Taxonomy
from toolkit.shop.text import detect_language

log = logging.getLogger("toolkit.assistant")
T = TypeVar("T")

# How much longer than a step's own limit the step is awaited: a model step ends at its
# deadline and falls back to the rules itself; only a step that ignores the deadline is cut.
GRACE_S = 0.25


async def within(seconds: float, step: Awaitable[T]) -> T:
    """`step` under a deadline of `seconds` (its model calls end by it and fall back on their
    own), awaited a little longer; TimeoutError only for a step that ignores the deadline."""
    with deadline_within(seconds):
        return await asyncio.wait_for(step, seconds + GRACE_S)


@dataclass(frozen=True)
class Routed:
    """Step 3's result: the context with memory's gaps filled, and where the turn goes."""

    ctx: GiftContext
    route: Route

    @property
    def decision(self) -> str:
        return self.route.decision


class Steps:
    def __init__(self, catalog: Catalog, taxonomy: Taxonomy, memory: ConversationMemory, *,
                 rules: RuleContextExtractor, extractor: ContextExtractor,
                 rule_validator: QueryValidator, validator: QueryValidator, writer: AnswerWriter,
                 settings: AssistantSettings, model_backed: bool,
                 writes: set[asyncio.Future[None]] | None = None) -> None:
        self.catalog, self.taxonomy, self.memory = catalog, taxonomy, memory
        self.rules, self.extractor = rules, extractor
        self.rule_validator, self.validator, self.writer = rule_validator, validator, writer
        self.settings = settings
        self.model_backed = model_backed  # the extractor may be slower than the rules
        # Memory writes still running (the assistant's, kept across re-wiring after an import).
        self.writes: set[asyncio.Future[None]] = set() if writes is None else writes

    # -- step 0: validation ---------------------------------------------------------------

    async def validate(self, turn: TurnIO) -> nonsense.Verdict:
        """Nonsense fails fast; a suspicious message is asked about within
        FAST_CLASSIFIER_TIMEOUT_MS, and the rules decide when the validator cannot."""
        with turn.clock.span("validate"):
            verdict = nonsense.quick_check(turn.message)
            if verdict.status == "suspicious":
                checked = await self._check(turn)
                if not checked.is_sensible and checked.confidence > REJECT_CONFIDENCE:
                    verdict = nonsense.Verdict("nonsense", f"validator: {checked.reason}")
        self.debug("validation", status=verdict.status, reason=verdict.reason)
        return verdict

    async def _check(self, turn: TurnIO) -> ValidationResult:
        limit = self.settings.fast_classifier_timeout_ms / 1000
        language = detect_language(turn.message)
        try:
            return await within(limit, self.validator.validate(turn.message, language))
        except TimeoutError:
            turn.trace.fallbacks.append(
                "validate_query: rules (the validator took longer than FAST_CLASSIFIER_TIMEOUT_MS)")
            return await self.rule_validator.validate(turn.message, language)

    # -- step 1: memory -----------------------------------------------------------------

    async def load_memory(self, turn: TurnIO) -> ConversationState:
        """The conversation's memory, without products the catalog no longer has."""
        def load() -> ConversationState:
            return still_in_catalog(self.catalog, self.memory.load(turn.conversation_id))

        with turn.clock.span("memory_load"):
            return await asyncio.to_thread(load)

    async def save(self, turn: TurnIO, state: ConversationState, routed: Routed,
                   found: Found | None = None, shown: list[ProductHit] | None = None) -> None:
        """Remember the turn: its search and cards when it had them. The write, once started,
        finishes even if the turn is cut short (a shopper who saw cards keeps them in memory);
        the conversation's next turn waits for it."""
        shown = found.shown if found is not None else (shown or [])
        with turn.clock.span("memory_save"):
            new_state = remember_turn(
                state, routed.ctx, query=found.plan.query if found else None,
                hints=found.plan.hints if found else [], shown=shown,
                candidates=found.candidates if found else [])
            write = asyncio.ensure_future(asyncio.to_thread(
                self.memory.save, turn.conversation_id, new_state, message=turn.message,
                intent=routed.ctx.intent, decision=routed.decision,
                product_ids=[p.id for p in shown] if found else []))
            turn.trace.writes.append(write)
            self.writes.add(write)
            write.add_done_callback(self.writes.discard)
            await asyncio.shield(write)
        self.debug("memory", conversation=turn.conversation_id, state=state_summary(new_state))

    # -- step 2: context ----------------------------------------------------------------

    @staticmethod
    def memory_view(state: ConversationState) -> MemoryView:
        return MemoryView(last_author=state.last_author, shown=state.last_products,
                          language=state.language)

    def read_now(self, turn: TurnIO, state: ConversationState) -> GiftContext:
        """The rules' reading, at once (the model-backed path's fast guess)."""
        return self.rules.extract_now(turn.message, self.memory_view(state))

    async def understand(self, turn: TurnIO, state: ConversationState) -> GiftContext:
        """The context from the configured extractor, within CONTEXT_EXTRACTION_TIMEOUT_MS;
        when a model takes longer, the rules' reading, marked as a fallback."""
        view = self.memory_view(state)
        limit = self.settings.context_timeout_ms / 1000
        with turn.clock.span("context"):
            try:
                ctx = await within(limit, self.extractor.extract(turn.message, view))
            except TimeoutError:
                if not self.model_backed:
                    raise
                ctx = self.rules.extract_now(turn.message, view).model_copy(update={
                    "fallback": "rules: the model took longer than CONTEXT_EXTRACTION_TIMEOUT_MS"})
        turn.trace.note_context(ctx)
        return ctx

    # -- step 3: routing ----------------------------------------------------------------

    def route(self, turn: TurnIO, ctx: GiftContext, state: ConversationState) -> Routed:
        with turn.clock.span("routing"):
            carried = carry_over(ctx, state, self.taxonomy)
            decided = route(carried, nonsense=False,
                            has_history=bool(state.last_products or state.last_query),
                            known_words=known_word_count(self.catalog, carried.search_text),
                            gift_type=self.taxonomy.gift_type)
        return Routed(carried, decided)

    async def announce(self, turn: TurnIO, routed: Routed, *,
                       speculation: SpeculationOutcome | None = None,
                       revisions: list[str] | None = None) -> None:
        """The turn's one intent event; with what became of a search started before it (a
        cancelled one had sent a skeleton: `revised_from`)."""
        ctx, decided = routed.ctx, routed.route
        self.debug("context", intent=ctx.intent, confidence=ctx.confidence,
                   context=ctx.model_dump(exclude_defaults=True))
        self.debug("routing", decision=decided.decision, reason=decided.reason,
                   signals=decided.signals)
        await turn.emit(IntentEvent(
            intent=ctx.intent, confidence=ctx.confidence, decision=decided.decision,
            signals=decided.signals, context=ctx, language=ctx.language,
            revised_from="search" if speculation == "cancelled" else None,
            speculation=speculation, revisions=revisions or []))

    # -- step 4: search -----------------------------------------------------------------

    async def search(self, turn: TurnIO, plan: SearchPlan) -> Found:
        """Products for a plan: from memory, or the catalog within SEARCH_TIMEOUT_MS."""
        with turn.clock.span("search"):
            found = await asyncio.wait_for(asyncio.to_thread(find, self.catalog, plan),
                                           self.settings.search_timeout_ms / 1000)
        self.debug("search", source=plan.source, products=len(found.products), notes=plan.notes,
                   metrics=found.result.metrics.model_dump() if found.result else None)
        return found

    async def send_cards(self, turn: TurnIO, routed: Routed, found: Found, *,
                         stage: str = "final", refines: bool = False) -> None:
        """The products event. With a model it comes twice: `early`, as soon as the search is
        done, and `final`, the same cards after the answer (`refines`), with its calls."""
        ctx, plan, result = routed.ctx, found.plan, found.result
        preface = safety_preface(ctx, result)
        if preface and not refines:  # said once, before the first cards
            await self.say_text(turn, " " + preface)
        with turn.clock.span("products"):
            metadata = ProductsMetadata(
                query=plan.query, hints=plan.hints, product_type=ctx.product_type,
                category=ctx.category, category_hints=ctx.category_hints, source=plan.source,
                memory_notes=plan.notes,
                search=SearchInfo(
                    time_ms=turn.clock.duration("search"),
                    metrics=result.metrics if result else None,
                    diversity=result.diversity if result else None,
                    warnings=result.warnings if result else [], filters=plan.filters),
                safety_preface=preface, suggestions=search_suggestions(ctx, found.shown),
                context=ctx, stage="early" if stage == "early" else "final", refines=refines,
                speculation=turn.trace.speculation,
                model_calls=list(turn.trace.calls.records))
        turn.clock.mark("products")
        await turn.emit(ProductsEvent(products=found.shown, metadata=metadata))
        self.debug("products", ids=[p.id for p in found.shown], source=plan.source)

    # -- step 5: answer -----------------------------------------------------------------

    async def say_text(self, turn: TurnIO, text: str) -> None:
        for part in chunks(text):
            await turn.emit(TextEvent(delta=part))

    async def stream_answer(self, turn: TurnIO, parts: AsyncIterator[str]) -> None:
        with turn.clock.span("answer"):
            async for part in parts:
                await turn.emit(TextEvent(delta=part))

    async def say(self, turn: TurnIO, text: str, suggestions: list[str]) -> None:
        """A whole answer (no search behind it), then its suggestions."""
        with turn.clock.span("answer"):
            await self.say_text(turn, text)
        await self.suggest(turn, suggestions)

    async def suggest(self, turn: TurnIO, items: list[str]) -> None:
        with turn.clock.span("suggestions"):
            await turn.emit(SuggestionsEvent(items=items))

    def debug(self, step: str, **fields: object) -> None:
        if self.settings.debug:
            log.info("%s %s", step, json.dumps(fields, ensure_ascii=False, default=str))
