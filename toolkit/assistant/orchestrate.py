"""The orchestrators: the only place that knows the order of the steps.

Each is a short function that passes each step's result to the next: a verdict, the memory, a
context, a route, a search plan, what was found. `parallel` (the default) overlaps what does not
depend on each other: memory loads beside validation, the answer's opening streams while the
search runs, and memory is saved while the answer ends. `sequential` is the baseline, one step
after another. With a model behind the steps, the parallel orchestrator is
`toolkit.assistant.speculative.parallel_with_model`.

Work that overlaps runs as a task started on the turn's clock (`turn.clock.task`) and is awaited
with `turn.clock.join`: so each span records what it waited on, and the timing event its
critical path (`toolkit.core.timing`).

Every turn emits intent -> [skeleton] -> [text, products, text] -> suggestions; the turn handle
(`toolkit.assistant.turn`) adds timing and done.
"""

from __future__ import annotations

import asyncio

from toolkit.assistant.answer import (
    clarify_reply,
    conversational_reply,
    inquiry_reply,
    no_results_reply,
    refine_reply,
    search_suggestions,
)
from toolkit.assistant.context import GiftContext
from toolkit.assistant.events import IntentEvent, SkeletonEvent
from toolkit.assistant.memory import ConversationState
from toolkit.assistant.search import CARDS, Found, inquired_product, plan_search, refinement_ideas
from toolkit.assistant.steps import Routed, Steps
from toolkit.assistant.turn import TurnIO
from toolkit.shop.nonsense import Verdict
from toolkit.shop.text import detect_language


async def sequential(steps: Steps, turn: TurnIO) -> None:
    state = await validated_memory(steps, turn, alongside=False)
    if state is None:
        return
    ctx = await steps.understand(turn, state)
    routed = steps.route(turn, ctx, state)
    await steps.announce(turn, routed)
    if routed.decision != "search":
        return await answer_without_search(steps, turn, routed, state)
    await turn.emit(SkeletonEvent(count=CARDS))
    found = await steps.search(turn, plan_search(routed.ctx, state))
    if not found.shown:
        return await no_results(steps, turn, routed, state, found)
    await steps.stream_answer(turn, steps.writer.preface(routed.ctx))
    await steps.send_cards(turn, routed, found)
    await steps.stream_answer(turn, steps.writer.body(routed.ctx, found.shown))
    await steps.suggest(turn, search_suggestions(routed.ctx, found.shown))
    await steps.save(turn, state, routed, found)


async def parallel(steps: Steps, turn: TurnIO) -> None:
    state = await validated_memory(steps, turn, alongside=True)
    if state is None:
        return
    ctx = await steps.understand(turn, state)
    routed = steps.route(turn, ctx, state)
    await steps.announce(turn, routed)
    if routed.decision != "search":
        return await answer_without_search(steps, turn, routed, state)
    await turn.emit(SkeletonEvent(count=CARDS))
    search = turn.clock.task(steps.search(turn, plan_search(routed.ctx, state)))
    await steps.stream_answer(turn, steps.writer.preface(routed.ctx))  # while the search runs
    found = await turn.clock.join(search)
    if not found.shown:
        return await no_results(steps, turn, routed, state, found)
    await steps.send_cards(turn, routed, found)
    save = turn.clock.task(steps.save(turn, state, routed, found))  # while the answer ends
    await steps.stream_answer(turn, steps.writer.body(routed.ctx, found.shown))
    await steps.suggest(turn, search_suggestions(routed.ctx, found.shown))
    await turn.clock.join(save)


# -- the beginning and the endings every orchestrator shares -----------------------------------


async def validated_memory(steps: Steps, turn: TurnIO, *, alongside: bool) -> ConversationState | None:
    """Steps 0 and 1: the conversation's memory, loaded beside validation (`alongside`) or
    after it; None when the message was nonsense and the turn has been refined already."""
    memory = turn.clock.task(steps.load_memory(turn)) if alongside else None
    verdict = await steps.validate(turn)
    if verdict.status == "nonsense":
        if memory is not None:
            memory.cancel()
        await refine(steps, turn, verdict)
        return None
    if memory is None:
        return await steps.load_memory(turn)
    loaded: ConversationState = await turn.clock.join(memory)
    return loaded


async def refine(steps: Steps, turn: TurnIO, verdict: Verdict) -> None:
    """Nonsense: ask again, nicely, in the message's language."""
    language = detect_language(turn.message)
    turn.trace.language = language
    await turn.emit(IntentEvent(
        intent="nonsense", confidence=0.9, decision="refine", signals={},
        context=GiftContext(intent="nonsense", confidence=0.9, language=language),
        language=language, reason=verdict.reason))
    await steps.say(turn, *refine_reply(language, verdict.reason))


async def answer_without_search(steps: Steps, turn: TurnIO, routed: Routed,
                                state: ConversationState) -> None:
    """Clarify, answer conversationally, or answer about a shown product."""
    ctx = routed.ctx
    shown = []
    if routed.decision == "clarify":
        text, suggestions = clarify_reply(ctx)
    elif routed.decision == "inquiry":
        product = await asyncio.to_thread(inquired_product, steps.catalog, ctx, state)
        text, suggestions = inquiry_reply(ctx, product)
        shown = [product] if product else []
    else:
        text, suggestions = conversational_reply(ctx)
    save = turn.clock.task(steps.save(turn, state, routed, shown=shown))
    await steps.say(turn, text, suggestions)
    await turn.clock.join(save)


async def no_results(steps: Steps, turn: TurnIO, routed: Routed, state: ConversationState,
                     found: Found) -> None:
    """Nothing found: concrete ways out (a wider budget, other categories), never silence."""
    ideas = await asyncio.to_thread(refinement_ideas, steps.catalog, steps.taxonomy, found.plan)
    await steps.say(turn, *no_results_reply(routed.ctx, ideas))
    await steps.save(turn, state, routed, found)
