"""Conversation memory, kept in a state store (see `toolkit.state`) between turns.

Per conversation: the authors mentioned (for "tema" / "his"), the last product type and
category, every product id shown (so "show more" never repeats one), the budget, the products
shown last and the further results of the last search not yet shown. It survives restarts and is
shared by every process using the same store; with `PHASE5_CONTEXT_ENABLE=false` it lives only
in the process. Reading memory to fill a message's gaps is routing's part (`carry_over`);
planning a search from it is the search step's.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field

from toolkit.assistant.context import Budget, GiftContext
from toolkit.shop.search import ProductHit
from toolkit.state import StateStore, TurnRecord

MAX_REMEMBERED_IDS = 500  # exclusions kept per conversation
MAX_AUTHORS = 10


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
    """Loads and saves conversation state in a state store."""

    def __init__(self, store: StateStore) -> None:
        self.store = store

    def load(self, conversation_id: str) -> ConversationState:
        saved = self.store.load_conversation(conversation_id)
        if saved is None:
            return ConversationState()
        try:
            return ConversationState.model_validate_json(saved)
        except ValueError:  # an unreadable state is a fresh start, not a failed turn
            return ConversationState()

    def save(self, conversation_id: str, state: ConversationState, *, message: str, intent: str,
             decision: str, product_ids: list[str]) -> None:
        state.shown_ids = state.shown_ids[-MAX_REMEMBERED_IDS:]
        state.authors = state.authors[-MAX_AUTHORS:]
        self.store.save_turn(conversation_id, state.model_dump_json(),
                             TurnRecord(state.turns, message, intent, decision, product_ids))

    def forget(self, conversation_id: str) -> None:
        self.store.forget(conversation_id)

    def history(self, conversation_id: str) -> list[dict[str, Any]]:
        return [{"turn": r.turn, "message": r.message, "intent": r.intent,
                 "decision": r.decision, "product_ids": r.product_ids}
                for r in self.store.history(conversation_id)]


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

