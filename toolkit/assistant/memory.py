"""Conversation memory, persisted in the catalog's DuckDB file, and memory-first resolution.

Per conversation: the authors mentioned (for "tema" / "his"), the last product type and
category, every product id shown (so "show more" never repeats one), the budget, the products
shown last and the further results of the last search not yet shown. It survives restarts; with
`PHASE5_CONTEXT_ENABLE=false` it lives only in the process.

`plan_search` resolves follow-ups from memory before any search: "näita veel" / "show me more"
serves the next unseen results of the last search; "odavamaid" / "something cheaper" sets the
budget ceiling to floor(0.7 x the average price of the last shown products) in the same
taxonomy; "kõige odavam" / "the cheapest" ignores exclusions and sorts by price; "tema teosed"
/ "more by this author" searches that author. A gift search drops a book-only category carried
over from an earlier turn.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
from pydantic import BaseModel, Field

from toolkit.assistant.context import Budget, GiftContext
from toolkit.core.db import Database, Migration
from toolkit.shop.search import SearchFilters
from toolkit.shop.taxonomy import Taxonomy

MAX_REMEMBERED_IDS = 500  # exclusions kept per conversation
MAX_AUTHORS = 10
CHEAPER_FACTOR = 0.7


def m002_conversations(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE IF NOT EXISTS conversations ("
        "conversation_id VARCHAR PRIMARY KEY, state VARCHAR NOT NULL, updated_at TIMESTAMP)"
    )
    con.execute(
        "CREATE TABLE IF NOT EXISTS conversation_turns ("
        "conversation_id VARCHAR, turn INTEGER, message VARCHAR, intent VARCHAR, "
        "decision VARCHAR, product_ids VARCHAR[], created_at TIMESTAMP)"
    )


MEMORY_MIGRATIONS: tuple[Migration, ...] = (m002_conversations,)


class ConversationState(BaseModel):
    """What one conversation remembers between turns."""

    turns: int = 0
    language: str | None = None
    authors: list[str] = Field(default_factory=list)  # most recent last
    product_type: str | None = None
    category: str | None = None
    budget: Budget | None = None
    age: int | None = None
    recipient: str | None = None
    occasion: str | None = None
    shown_ids: list[str] = Field(default_factory=list)
    last_products: list[dict] = Field(default_factory=list)  # the cards shown last, in order
    candidates: list[dict] = Field(default_factory=list)  # later results of the last search
    last_query: str = ""
    last_hints: list[str] = Field(default_factory=list)

    @property
    def last_author(self) -> str | None:
        if self.authors:
            return self.authors[-1]
        first = next((p for p in self.last_products if p.get("author")), None)
        return first["author"] if first else None


class ConversationMemory:
    """Loads and saves conversation state in the catalog database (or in the process)."""

    def __init__(self, db: Database, *, persist: bool = True) -> None:
        self.db = db
        self.persist = persist
        self._local: dict[str, ConversationState] = {}
        self._lock = threading.Lock()
        if persist:
            db.migrate(MEMORY_MIGRATIONS)

    def load(self, conversation_id: str) -> ConversationState:
        if not self.persist:
            return self._local.get(conversation_id, ConversationState()).model_copy(deep=True)
        with self.db.cursor() as cur:
            row = cur.execute("SELECT state FROM conversations WHERE conversation_id = ?",
                              [conversation_id]).fetchone()
        if row is None:
            return ConversationState()
        try:
            return ConversationState.model_validate_json(row[0])
        except ValueError:  # an unreadable state is a fresh start, not a failed turn
            return ConversationState()

    def save(self, conversation_id: str, state: ConversationState, *, message: str, intent: str,
             decision: str, product_ids: list[str]) -> None:
        state.shown_ids = state.shown_ids[-MAX_REMEMBERED_IDS:]
        state.authors = state.authors[-MAX_AUTHORS:]
        if not self.persist:
            self._local[conversation_id] = state.model_copy(deep=True)
            return
        now = datetime.now(UTC).replace(tzinfo=None)
        with self._lock, self.db.cursor() as cur:
            cur.execute(
                "INSERT OR REPLACE INTO conversations VALUES (?, ?, ?)",
                [conversation_id, state.model_dump_json(), now],
            )
            cur.execute(
                "INSERT INTO conversation_turns VALUES (?, ?, ?, ?, ?, ?, ?)",
                [conversation_id, state.turns, message[:2000], intent, decision, product_ids, now],
            )

    def forget(self, conversation_id: str) -> None:
        self._local.pop(conversation_id, None)
        if self.persist:
            with self.db.cursor() as cur:
                cur.execute("DELETE FROM conversations WHERE conversation_id = ?", [conversation_id])
                cur.execute("DELETE FROM conversation_turns WHERE conversation_id = ?",
                            [conversation_id])

    def history(self, conversation_id: str) -> list[dict]:
        if not self.persist:
            return []
        with self.db.cursor() as cur:
            rows = cur.execute(
                "SELECT turn, message, intent, decision, product_ids FROM conversation_turns "
                "WHERE conversation_id = ? ORDER BY turn", [conversation_id]).fetchall()
        return [dict(zip(("turn", "message", "intent", "decision", "product_ids"), r, strict=True))
                for r in rows]


@dataclass
class SearchPlan:
    """How this turn gets its products: from memory, or by a search with these arguments."""

    query: str
    hints: list[str] = field(default_factory=list)
    filters: SearchFilters = field(default_factory=SearchFilters)
    sort: str = "relevance"
    from_memory: list[dict] | None = None  # products served without a search
    notes: list[str] = field(default_factory=list)  # what memory changed, for metadata and logs


def _without(products: list[dict], ids: set[str]) -> list[dict]:
    return [p for p in products if p.get("id") not in ids]


def carry_over(ctx: GiftContext, state: ConversationState, taxonomy: Taxonomy) -> None:
    """Fill what the message leaves open from the conversation, in place, and say so.

    A follow-up ("näita veel", "odavamaid", "alla 15 euro") keeps the last type and category; a
    gift search drops a book-only category carried from an earlier turn."""
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
    prices = [p["price"] for p in state.last_products if p.get("price") is not None]
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


def plan_search(ctx: GiftContext, state: ConversationState) -> SearchPlan:
    """Memory first: serve a follow-up from what the conversation already holds, else say how
    to search. Call `carry_over` first."""
    shown = set(state.shown_ids)
    budget = ctx.budget or Budget()
    filters = dict(
        product_types=[ctx.product_type] if ctx.product_type else [],
        categories=[ctx.category] if ctx.category else [],
        min_price=budget.min, max_price=budget.max, age=ctx.age,
    )
    query = ctx.search_text
    hints = ctx.category_hints + ctx.product_type_hints

    if ctx.intent == "show_more_products":
        unseen = _without(state.candidates, shown)
        if len(unseen) >= 3 or (unseen and not state.last_query):
            return SearchPlan(query=state.last_query, hints=state.last_hints,
                              filters=SearchFilters.build(**filters), from_memory=unseen,
                              notes=["served from memory: next results of the last search"])
        return SearchPlan(query=state.last_query or query, hints=state.last_hints or hints,
                          filters=SearchFilters.build(**filters, exclude_ids=list(shown)),
                          notes=["search again, excluding everything shown"])

    if ctx.intent == "cheaper_alternatives":
        cheaper = [p for p in _without(state.candidates, shown)
                   if budget.max is None or p["price"] <= budget.max]
        if len(cheaper) >= 3:
            return SearchPlan(query=state.last_query, hints=state.last_hints,
                              filters=SearchFilters.build(**filters), from_memory=cheaper,
                              notes=["served from memory: cheaper results already found"])
        return SearchPlan(query=state.last_query or query, hints=state.last_hints or hints,
                          filters=SearchFilters.build(**filters, exclude_ids=list(shown)))

    if ctx.intent == "cheapest":
        filters.update(min_price=None, max_price=None)
        return SearchPlan(query=state.last_query or query, hints=state.last_hints or hints,
                          filters=SearchFilters.build(**filters), sort="price_asc",
                          notes=["cheapest first; previously shown products allowed"])

    if ctx.intent == "author_search":
        return SearchPlan(query=query if not ctx.author_pronoun else " ".join(ctx.authors),
                          hints=hints, filters=SearchFilters.build(**filters, authors=ctx.authors),
                          notes=[f"author from memory: {ctx.authors[0]}"] if ctx.author_pronoun else [])

    return SearchPlan(query=query, hints=hints, filters=SearchFilters.build(**filters))


def remember_turn(state: ConversationState, ctx: GiftContext, *, plan: SearchPlan | None,
                  shown: list[dict], candidates: list[dict]) -> None:
    """Update the state after a turn, in place."""
    state.turns += 1
    state.language = ctx.language
    for author in ctx.authors:
        if author in state.authors:
            state.authors.remove(author)
        state.authors.append(author)
    if ctx.product_inquiry and shown and shown[0].get("author"):
        author = shown[0]["author"]
        if author in state.authors:
            state.authors.remove(author)
        state.authors.append(author)
    if plan is None:
        return
    if ctx.product_type or ctx.category or ctx.intent == "product_search":
        state.product_type, state.category = ctx.product_type, ctx.category
    if ctx.budget is not None:
        state.budget = ctx.budget
    state.age = ctx.age if ctx.age is not None else state.age
    state.recipient = ctx.recipient or state.recipient
    state.occasion = ctx.occasion or state.occasion
    state.last_query, state.last_hints = plan.query, plan.hints
    if shown:
        state.last_products = shown
        state.shown_ids += [p["id"] for p in shown if p["id"] not in state.shown_ids]
    state.candidates = candidates


def state_summary(state: ConversationState) -> dict:
    """The state as plain JSON (for metadata and debug logs), without the product lists."""
    data = json.loads(state.model_dump_json(exclude={"last_products", "candidates"}))
    data["shown"] = len(state.shown_ids)
    data.pop("shown_ids")
    return data

