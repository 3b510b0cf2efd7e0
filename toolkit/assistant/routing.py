"""Step 3: fill the message's gaps from memory, then signals and the routing decision, as in the
reference's orchestrator.

Product signals are a product type, a category or hints of either; gift context is a recipient
or an occasion. A query is *vague* when it is a product search with low confidence, no
meaningful product signals and no gift context, unless the user explicitly named a type or a
category ("show me gifts"). Search when (product search and not vague) or (unknown intent and
not vague); otherwise clarify, answer conversationally, answer about a shown product, or refine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from toolkit.assistant.context import Budget, GiftContext
from toolkit.assistant.events import Decision
from toolkit.assistant.memory import ConversationState
from toolkit.shop.taxonomy import Taxonomy

LOW_CONFIDENCE = 0.6
CHEAPER_FACTOR = 0.7  # "something cheaper": below this share of the average price shown
FOLLOW_UPS = frozenset({"show_more_products", "cheaper_alternatives", "cheapest"})


@dataclass(frozen=True)
class Route:
    decision: Decision
    signals: dict[str, bool]
    reason: str


def signals_of(ctx: GiftContext, gift_type: str | None = None) -> dict[str, bool]:
    # The generic gift type is a fallback, not a signal of what to search for.
    meaningful_type_hints = [h for h in ctx.product_type_hints if h != gift_type]
    has_product_signals = bool(ctx.product_type or ctx.category or meaningful_type_hints
                               or ctx.category_hints or ctx.authors)
    has_gift_context = bool(ctx.recipient or ctx.occasion)
    vague = (ctx.intent == "product_search" and ctx.confidence < LOW_CONFIDENCE
             and not has_product_signals and not has_gift_context)
    if ctx.explicit_type or ctx.explicit_category:
        vague = False  # the critical override: the user asked for this explicitly
    return {
        "has_product_type": bool(ctx.product_type),
        "has_category": bool(ctx.category),
        "has_product_type_hints": bool(meaningful_type_hints),
        "has_category_hints": bool(ctx.category_hints),
        "has_recipient": bool(ctx.recipient),
        "has_occasion": bool(ctx.occasion),
        "has_budget": ctx.budget is not None,
        "has_age": ctx.age is not None,
        "has_author": bool(ctx.authors),
        "has_product_signals": has_product_signals,
        "has_gift_context": has_gift_context,
        "vague": vague,
    }


def route(ctx: GiftContext, *, nonsense: bool, has_history: bool, known_words: int,
          gift_type: str | None = None) -> Route:
    """The decision for one turn. `known_words`: query words the catalog's index knows."""
    signals = signals_of(ctx, gift_type)
    if nonsense or ctx.intent == "nonsense":
        return Route("refine", signals, "nonsense")
    if ctx.intent == "product_inquiry":
        return Route("inquiry", signals, "a question about a shown product")
    if ctx.intent in ("greeting", "thanks", "question"):
        return Route("conversational", signals, ctx.intent)
    if ctx.intent in FOLLOW_UPS:
        if has_history or signals["has_product_signals"]:
            return Route("search", signals, f"{ctx.intent} resolved from memory")
        return Route("clarify", signals, f"{ctx.intent} with nothing shown yet")
    if ctx.intent == "author_search":
        return Route("search", signals, "author search")
    if ctx.intent == "product_search":
        if signals["vague"]:
            return Route("clarify", signals, "vague product search")
        return Route("search", signals, "product search")
    # Unknown intent: search when the catalog knows some of the words, else talk.
    if known_words > 0 or signals["has_product_signals"]:
        return Route("search", signals, "unknown intent, but the catalog knows the words")
    return Route("conversational", signals, "unknown intent and nothing to search for")


def carry_over(message_ctx: GiftContext, state: ConversationState, taxonomy: Taxonomy) -> GiftContext:
    """The context with what the message leaves open filled from the conversation, each
    carried field named in `carried`.

    A follow-up ("näita veel", "odavamaid", "alla 15 euro") keeps the last type and category;
    "something cheaper" sets the ceiling to floor(0.7 x the average price of the last shown
    products); a gift search drops a book-only category carried from an earlier turn."""
    ctx = message_ctx.model_copy(deep=True)
    own_budget = ctx.budget is not None
    follow_up = ctx.intent in ("show_more_products", "cheaper_alternatives", "cheapest")
    refinement = ctx.intent == "product_search" and not (ctx.explicit_type or ctx.explicit_category) \
        and (ctx.budget or ctx.age is not None) and not (ctx.recipient or ctx.occasion)
    if follow_up or refinement:
        if ctx.product_type is None and state.product_type:
            ctx.product_type = state.product_type
            ctx.carried.append("product_type")
        if ctx.category is None and state.category:
            ctx.category = state.category
            ctx.carried.append("category")
        if ctx.budget is None and state.budget and ctx.intent not in (
                "cheapest", "cheaper_alternatives"):
            ctx.budget = state.budget
            ctx.carried.append("budget")
    prices = [p.price for p in state.last_products]
    if ctx.intent == "cheaper_alternatives" and prices and not own_budget:
        average = sum(prices) / len(prices)
        ctx.budget = Budget(max=float(math.floor(CHEAPER_FACTOR * average)))
        ctx.carried.append(f"budget max = floor(0.7 x average {average:.2f} of the last shown)")
    gift_search = ctx.product_type == taxonomy.gift_type or (
        taxonomy.gift_type in ctx.product_type_hints and not ctx.explicit_type)
    if gift_search and "category" in ctx.carried and taxonomy.book_only(ctx.category):
        ctx.category = None
        ctx.carried.remove("category")
        ctx.carried.append("category dropped: book-only category in a gift search")
    return ctx
