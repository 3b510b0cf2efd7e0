"""The parallel orchestrator with a model: an early skeleton and a speculative search.

The model's context takes hundreds of milliseconds; the rules read the message in a fraction
of one. While the model works, the rules' reading is used where it is safe: when the rules are
*sure* the message is a search (something named explicitly, or a follow-up to products already
shown), the skeleton goes out at once, the search starts on the rules' plan and, on its results,
the answer is written into a buffer. When the model's context arrives:

- same search, same answer          -> both kept (the products are ready at context + ~0 ms)
- same search, different answer     -> the search kept, the buffered answer cancelled
- a different search                -> both cancelled, the model's search runs (replaced)
- not a search at all               -> both cancelled, the intent says the skeleton is revised
                                       (`revised_from="search"`) and no products follow

The intent event says which (`speculation`: kept, replaced, cancelled) and what the model read
differently from the rules (`revisions`, e.g. "category: Krimi -> Luule").

Cards come twice: `early` as soon as they are final, and again (`refines`) after the answer,
with the answer's model calls in their metadata. The trace says what happened to the
speculation (kept, replaced, cancelled).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

from toolkit.assistant.answer import search_suggestions
from toolkit.assistant.context import Budget, GiftContext
from toolkit.assistant.events import SkeletonEvent, SpeculationOutcome, TextEvent
from toolkit.assistant.memory import ConversationState
from toolkit.assistant.orchestrate import answer_without_search, no_results, validated_memory
from toolkit.assistant.search import CARDS, Found, SearchPlan, plan_search
from toolkit.assistant.steps import Routed, Steps
from toolkit.assistant.turn import TurnIO
from toolkit.core.timing import TurnClock

FOLLOW_UPS = ("show_more_products", "cheaper_alternatives", "cheapest")
SURE = 0.85  # the rules' confidence above which their reading of a search is acted on
# The parts of a context whose change a shopper would notice, named in the intent's revisions.
REVISED = ("intent", "product_type", "category", "budget", "age", "recipient", "occasion",
           "authors")


async def parallel_with_model(steps: Steps, turn: TurnIO) -> None:
    state = await validated_memory(steps, turn, alongside=True)
    if state is None:
        return
    context = turn.clock.task(steps.understand(turn, state))
    guess = await speculate(steps, turn, state)  # runs while the model extracts the context
    ctx = await turn.clock.join(context)
    routed = steps.route(turn, ctx, state)
    plan = plan_search(routed.ctx, state) if routed.decision == "search" else None
    outcome = guess.outcome(plan) if guess is not None else None
    await steps.announce(turn, routed, speculation=outcome,
                         revisions=guess.revisions(routed) if guess is not None else [])
    if plan is None:
        if guess is not None:
            guess.cancel()
            turn.trace.speculation = "cancelled: the model routed elsewhere"
        return await answer_without_search(steps, turn, routed, state)
    search, answer = None, None
    if guess is None:
        await turn.emit(SkeletonEvent(count=CARDS))
    elif outcome == "kept":
        search, turn.trace.speculation = guess.search, "kept: the model's context gives the same search"
        if guess.same_answer(routed.ctx):
            answer = guess.answer  # already written, or being written
        else:
            guess.answer.cancel()
    else:
        guess.cancel()
        turn.trace.speculation = "replaced: the model's context changed the search"
    if search is None:
        search = turn.clock.task(steps.search(turn, plan))
    await steps.stream_answer(turn, steps.writer.preface(routed.ctx))  # while the search runs
    found = await turn.clock.join(search)
    if not found.shown:
        return await no_results(steps, turn, routed, state, found)
    await steps.send_cards(turn, routed, found, stage="early")
    save = turn.clock.task(steps.save(turn, state, routed, found))
    if answer is not None:  # written already (its span was recorded as it was written)
        async for part in answer:
            await turn.emit(TextEvent(delta=part))
    else:
        await steps.stream_answer(turn, steps.writer.body(routed.ctx, found.shown))
    await steps.send_cards(turn, routed, found, refines=True)  # with what the answer added
    await steps.suggest(turn, search_suggestions(routed.ctx, found.shown))
    await turn.clock.join(save)


@dataclass
class Speculation:
    """A search started on the rules' reading, and the answer being written on its results."""

    ctx: GiftContext
    plan: SearchPlan
    search: asyncio.Task[Found]
    answer: BufferedStream

    def same_answer(self, final: GiftContext) -> bool:
        """The answer written for the rules' context says nothing the model's would not."""
        keys = ("language", "recipient", "occasion", "budget", "age", "intent", "authors")
        return all(getattr(self.ctx, k) == getattr(final, k) for k in keys)

    def outcome(self, plan: SearchPlan | None) -> SpeculationOutcome:
        """What the model's search plan (None: not a search) makes of this one."""
        if plan is None:
            return "cancelled"
        return "kept" if self.plan.same_search(plan) else "replaced"

    def revisions(self, final: Routed) -> list[str]:
        """What the model read differently from the rules, as "field: rules -> model" (for a
        turn that is no search after all: the decision and the intent)."""
        searched = final.decision == "search"
        changed = [] if searched else [f"decision: search -> {final.decision}"]
        for key in REVISED if searched else ("intent",):
            before, after = getattr(self.ctx, key), getattr(final.ctx, key)
            if before != after:
                changed.append(f"{key}: {_shown(before)} -> {_shown(after)}")
        return changed

    def cancel(self) -> None:
        self.search.cancel()
        self.answer.cancel()


def _shown(value: object) -> str:
    if isinstance(value, Budget):
        low, high = value.min, value.max
        return f"{low:g}-{high:g}" if low is not None and high is not None else (
            f"<= {high:g}" if high is not None else f">= {low:g}" if low is not None else "none")
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    return "none" if value is None else str(value)


def sure(fast: GiftContext, state: ConversationState) -> bool:
    """The rules alone are sure this is a search: something named explicitly, or a follow-up
    to products already shown."""
    if fast.confidence < SURE:
        return False
    if fast.intent in FOLLOW_UPS:
        return bool(state.last_products)
    return bool(fast.explicit_type or fast.explicit_category
                or (fast.authors and not fast.author_pronoun)
                or (fast.author_pronoun and state.authors))


async def speculate(steps: Steps, turn: TurnIO, state: ConversationState) -> Speculation | None:
    """When the rules are sure of a search: the skeleton now, the search and then the answer
    started, buffered until the model's context confirms them."""
    fast = steps.route(turn, steps.read_now(turn, state), state)
    if fast.decision != "search" or not sure(fast.ctx, state):
        return None
    await turn.emit(SkeletonEvent(count=CARDS))
    plan = plan_search(fast.ctx, state)
    search = turn.clock.task(steps.search(turn, plan))

    async def answer() -> AsyncIterator[str]:
        found = await turn.clock.join(search)
        if found.shown:
            with turn.clock.span("answer"):
                async for part in steps.writer.body(fast.ctx, found.shown):
                    yield part

    return Speculation(fast.ctx, plan, search, BufferedStream(answer(), turn.clock))


class BufferedStream:
    """Runs an async generator now, keeping its parts until someone reads them."""

    def __init__(self, source: AsyncIterator[str], clock: TurnClock) -> None:
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._clock = clock
        self._task = clock.task(self._fill(source))  # its spans: what the reader waited on

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
        await self._clock.join(self._task)  # re-raise what the source raised
