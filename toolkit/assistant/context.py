"""Step 2's result: what the shopper wants, as a structured `GiftContext`, and the protocol an
extractor implements (`toolkit.assistant.rules` is the offline one; a model stands behind the
same protocol in `toolkit.assistant.model_steps`, with the rules as its fallback).
"""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, Field

from toolkit.shop.search import ProductHit

Intent = Literal[
    "product_search", "show_more_products", "cheaper_alternatives", "cheapest",
    "product_inquiry", "author_search", "greeting", "thanks", "question", "nonsense", "unknown",
]
SEARCH_INTENTS = frozenset({"product_search", "show_more_products", "cheaper_alternatives",
                            "cheapest", "author_search"})


class Budget(BaseModel):
    min: float | None = None
    max: float | None = None


class ProductInquiry(BaseModel):
    product_id: str | None = None
    product_name: str | None = None
    ordinal: int | None = None  # 1 = the first card shown, -1 = the last


class GiftContext(BaseModel):
    """Everything the router, the search and the answer need to know about one message."""

    intent: Intent = "unknown"
    confidence: float = 0.0
    language: Literal["et", "en"] = "et"
    product_type: str | None = None
    category: str | None = None
    product_type_hints: list[str] = Field(default_factory=list)
    category_hints: list[str] = Field(default_factory=list)
    recipient: str | None = None  # a key of RECIPIENTS, e.g. "mother"
    occasion: str | None = None  # a key of OCCASIONS, e.g. "birthday"
    budget: Budget | None = None
    age: int | None = None
    authors: list[str] = Field(default_factory=list)
    author_pronoun: bool = False  # "tema teosed", "his books": the author comes from memory
    explicit_type: bool = False  # the user named the product type in this message
    explicit_category: bool = False
    vague_gift: bool = False  # "I need a gift": a search verb and nothing to search for
    product_inquiry: ProductInquiry | None = None
    search_text: str = ""  # the message without budget, age and follow-up phrases
    carried: list[str] = Field(default_factory=list)  # fields taken over from memory
    extractor: str = "rules"
    fallback: str | None = None  # set when a model failed and the rules answered instead
    model_notes: list[str] = Field(default_factory=list)  # model output the catalog refuted


class MemoryView(BaseModel):
    """What the extractor may read from the conversation's memory."""

    last_author: str | None = None
    shown: list[ProductHit] | None = None  # the products shown last, in order
    language: str | None = None


class ContextExtractor(Protocol):
    name: str

    async def extract(self, message: str, memory: MemoryView) -> GiftContext: ...
