"""Conversation memory, persisted in the catalog's DuckDB file (or kept in the process).

Per conversation: the authors mentioned (for "tema" / "his"), the last product type and
category, every product id shown (so "show more" never repeats one), the budget, the products
shown last and the further results of the last search not yet shown. It survives restarts; with
`PHASE5_CONTEXT_ENABLE=false` it lives only in the process. Reading memory to fill a message's
gaps is routing's part (`carry_over`); planning a search from it is the search step's.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any

import duckdb
from pydantic import BaseModel, Field

from toolkit.assistant.context import Budget, GiftContext
from toolkit.core.db import Database, Migration
from toolkit.shop.search import ProductHit

MAX_REMEMBERED_IDS = 500  # exclusions kept per conversation
MAX_AUTHORS = 10


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
    last_products: list[ProductHit] = Field(default_factory=list)  # the cards shown last, in order
    candidates: list[ProductHit] = Field(default_factory=list)  # later results of the last search
    last_query: str = ""
    last_hints: list[str] = Field(default_factory=list)

    @property
    def last_author(self) -> str | None:
        if self.authors:
            return self.authors[-1]
        return next((p.author for p in self.last_products if p.author), None)


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

    def history(self, conversation_id: str) -> list[dict[str, Any]]:
        if not self.persist:
            return []
        with self.db.cursor() as cur:
            rows = cur.execute(
                "SELECT turn, message, intent, decision, product_ids FROM conversation_turns "
                "WHERE conversation_id = ? ORDER BY turn", [conversation_id]).fetchall()
        return [dict(zip(("turn", "message", "intent", "decision", "product_ids"), r, strict=True))
                for r in rows]


def remember_turn(previous: ConversationState, ctx: GiftContext, *, query: str | None,
                  hints: list[str], shown: list[ProductHit],
                  candidates: list[ProductHit]) -> ConversationState:
    """The state after a turn. `query` is None for a turn that searched nothing."""
    state = previous.model_copy(deep=True)
    state.turns += 1
    state.language = ctx.language
    for author in ctx.authors:
        if author in state.authors:
            state.authors.remove(author)
        state.authors.append(author)
    if ctx.product_inquiry and shown and shown[0].author:
        author = shown[0].author
        if author in state.authors:
            state.authors.remove(author)
        state.authors.append(author)
    if query is None:
        return state
    if ctx.product_type or ctx.category or ctx.intent == "product_search":
        state.product_type, state.category = ctx.product_type, ctx.category
    if ctx.budget is not None:
        state.budget = ctx.budget
    state.age = ctx.age if ctx.age is not None else state.age
    state.recipient = ctx.recipient or state.recipient
    state.occasion = ctx.occasion or state.occasion
    state.last_query, state.last_hints = query, list(hints)
    if shown:
        state.last_products = list(shown)
        state.shown_ids += [p.id for p in shown if p.id not in state.shown_ids]
    state.candidates = list(candidates)
    return state


def state_summary(state: ConversationState) -> dict[str, Any]:
    """The state as plain JSON (for metadata and debug logs), without the product lists."""
    data: dict[str, Any] = json.loads(state.model_dump_json(exclude={"last_products", "candidates"}))
    data["shown"] = len(state.shown_ids)
    data.pop("shown_ids")
    return data

