"""The assistant's steps done by a model, with the offline rules as fast path and fallback.

Each step asks the model through a `ModelClient`, validates what comes back against the
catalog (a category or product type must exist, a budget must be a sane number, an author must
be one the catalog has), and on a timeout, a refused connection or invalid output falls back to
the rules, saying so in the context (`fallback`) and in the call record. A turn always
completes.

The same steps register offline handlers, so the `offline` backend, or a `simulated` one
wrapping it, answers these tasks with the rules: a model's timing shape with the offline
answers.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Literal

from pydantic import BaseModel, Field

from toolkit.assistant.answer import (
    TemplateAnswerWriter,
    chunks,
    closing,
    product_notes,
    rest_of_answer,
)
from toolkit.assistant.context import Budget, GiftContext, Intent, MemoryView
from toolkit.assistant.rules import RuleContextExtractor
from toolkit.assistant.validation import RuleValidator, ValidationResult
from toolkit.assistant.vocabulary import OCCASIONS, RECIPIENTS
from toolkit.core.errors import ModelError
from toolkit.llm import Message, ModelClient, ModelRequest, OfflineBackend
from toolkit.llm.base import CURRENT_LOG
from toolkit.shop import text as analysis
from toolkit.shop.search import ProductHit
from toolkit.shop.taxonomy import Taxonomy, natural_name

MAX_TAXONOMY_NAMES = 40  # names listed in a prompt; prompts stay small


class ContextExtraction(BaseModel):
    """What the model is asked to fill: the parts of a GiftContext a model can judge."""

    intent: Intent = "unknown"
    confidence: float = Field(default=0.5, ge=0, le=1)
    language: Literal["et", "en"] = "et"
    product_type: str | None = None
    category: str | None = None
    recipient: str | None = None
    occasion: str | None = None
    budget_min: float | None = None
    budget_max: float | None = None
    age: int | None = None
    authors: list[str] = Field(default_factory=list)


class QueryCheck(BaseModel):
    is_sensible: bool
    confidence: float = Field(ge=0, le=1)
    reason: str = ""


def _user_message(request: ModelRequest) -> str:
    return next((m.content for m in reversed(request.messages) if m.role == "user"), "")


class ModelContextExtractor:
    """Context from the model, validated; the rules when the model fails."""

    def __init__(self, client: ModelClient, rules: RuleContextExtractor, taxonomy: Taxonomy,
                 offline: OfflineBackend) -> None:
        self.client = client
        self.rules = rules
        self.taxonomy = taxonomy
        self.name = f"model:{client.label}"
        offline.register("gift_context", self._offline_answer)

    def _offline_answer(self, request: ModelRequest) -> str:
        payload = json.loads(_user_message(request))
        view = MemoryView(last_author=payload.get("last_author"),
                          shown=[ProductHit(id=t, title=t, price=0.0) for t in payload.get("shown", [])])
        ctx = self.rules.extract_now(payload["message"], view)
        budget = ctx.budget or Budget()
        return ContextExtraction(
            intent=ctx.intent, confidence=ctx.confidence, language=ctx.language,
            product_type=ctx.product_type if ctx.explicit_type else None,
            category=ctx.category if ctx.explicit_category else None,
            recipient=ctx.recipient, occasion=ctx.occasion, budget_min=budget.min,
            budget_max=budget.max, age=ctx.age, authors=ctx.authors,
        ).model_dump_json()

    def request(self, message: str, memory: MemoryView) -> ModelRequest:
        types = [e.name for e in self.taxonomy.product_types]
        categories = self.taxonomy.largest_categories(MAX_TAXONOMY_NAMES)
        system = (
            "Extract the shopping context of one message to an Estonian book and gift shop. "
            f"Product types: {', '.join(types)}. Categories: {', '.join(categories)}. "
            f"Recipients: {', '.join(RECIPIENTS)}. Occasions: {', '.join(OCCASIONS)}. "
            "Use only these names, or null. Reply with JSON only."
        )
        payload = {"message": message, "last_author": memory.last_author,
                   "shown": [p.title for p in (memory.shown or [])][:3]}
        return ModelRequest(task="gift_context", messages=[
            Message(role="system", content=system),
            Message(role="user", content=json.dumps(payload, ensure_ascii=False))],
            max_tokens=200)

    async def extract(self, message: str, memory: MemoryView) -> GiftContext:
        fast = self.rules.extract_now(message, memory)
        try:
            extraction = await self.client.complete_json(self.request(message, memory),
                                                         ContextExtraction)
        except ModelError as e:
            fast.fallback = f"rules: the model failed ({type(e).__name__})"
            return fast
        return self.merge(fast, extraction)

    def merge(self, fast: GiftContext, model: ContextExtraction) -> GiftContext:
        """The model's judgement over the rules' reading, keeping only what the catalog has."""
        ctx = fast.model_copy(deep=True)
        notes: list[str] = []
        ctx.intent, ctx.confidence, ctx.language = model.intent, model.confidence, model.language
        for field, kind in (("product_type", self.taxonomy.product_types),
                            ("category", self.taxonomy.categories)):
            value = getattr(model, field)
            if value is None:
                continue
            match = next((e.name for e in kind if analysis.fold(e.name) == analysis.fold(value)), None)
            if match is None:
                notes.append(f"{field} {value!r} is not in the catalog")
                continue
            previous = getattr(fast, field)
            if previous and previous != match:
                # The model read the shelf differently: the words that named the old one would
                # pull the search back to it.
                ctx.search_text = " ".join(
                    w for w in ctx.search_text.split()
                    if not any(e.name == previous for e in self.taxonomy.entries_for(w)))
                notes.append(f"{field} {previous!r} -> {match!r}")
            setattr(ctx, field, match)
            setattr(ctx, "explicit_type" if field == "product_type" else "explicit_category", True)
        ctx.recipient = model.recipient if model.recipient in RECIPIENTS else fast.recipient
        ctx.occasion = model.occasion if model.occasion in OCCASIONS else fast.occasion
        low, high = model.budget_min, model.budget_max
        if low is not None or high is not None:
            sane = all(v is None or 0 <= v <= 100_000 for v in (low, high)) and (
                low is None or high is None or low <= high)
            if sane:
                ctx.budget = Budget(min=low, max=high)
            else:
                notes.append(f"budget {low}-{high} is not a sane range")
        if model.age is not None:
            if 0 <= model.age <= 120:
                ctx.age = model.age
            else:
                notes.append(f"age {model.age} is not an age")
        known = [a for a in model.authors if analysis.fold(natural_name(a)) in self.taxonomy.authors
                 or any(a in names for names in self.taxonomy.authors.values())]
        if known:
            ctx.authors = [self.taxonomy.authors.get(analysis.fold(natural_name(a)), [a])[0]
                           for a in known]
        elif model.authors:
            notes.append("authors not in the catalog were dropped")
        ctx.extractor = self.name
        ctx.model_notes = notes
        return ctx


class ModelValidator:
    """The model judges a suspicious message; the rules decide when it cannot."""

    def __init__(self, client: ModelClient, rules: RuleValidator, offline: OfflineBackend) -> None:
        self.client, self.rules = client, rules
        self.name = f"model:{client.label}"
        offline.register("validate_query", self._offline_answer)

    def _offline_answer(self, request: ModelRequest) -> str:
        result = self.rules.check(_user_message(request))
        return QueryCheck(is_sensible=result.is_sensible, confidence=result.confidence,
                          reason=result.reason).model_dump_json()

    async def validate(self, message: str, language: str) -> ValidationResult:
        request = ModelRequest(task="validate_query", max_tokens=60, messages=[
            Message(role="system", content=(
                "Is this message to a book and gift shop a sensible request, or keyboard noise? "
                "Reply with JSON only: is_sensible, confidence (0-1), reason.")),
            Message(role="user", content=message)])
        try:
            check = await self.client.complete_json(request, QueryCheck)
        except ModelError as e:
            fallback = await self.rules.validate(message, language)
            return ValidationResult(fallback.is_sensible, fallback.confidence,
                                    f"{fallback.reason} (model failed: {type(e).__name__})", "rules")
        return ValidationResult(check.is_sensible, check.confidence, check.reason, self.name)


class ModelAnswerWriter:
    """The opening from the templates (instant, so it streams while the search runs); the part
    about the products from the model, streamed as it writes; the templates if it fails."""

    def __init__(self, client: ModelClient, offline: OfflineBackend) -> None:
        self.client = client
        self.templates = TemplateAnswerWriter()
        self.name = f"model:{client.label}"
        offline.register("answer", self._offline_answer)

    def _offline_answer(self, request: ModelRequest) -> str:
        payload = json.loads(_user_message(request))
        ctx = GiftContext.model_validate(payload["context"])
        products = [ProductHit.model_validate(p) for p in payload["products"]]
        return product_notes(ctx, products) + " " + closing(ctx, products)

    async def preface(self, ctx: GiftContext) -> AsyncIterator[str]:
        async for part in self.templates.preface(ctx):
            yield part

    def request(self, ctx: GiftContext, products: list[ProductHit]) -> ModelRequest:
        language = "Estonian" if ctx.language == "et" else "English"
        system = (
            f"You are a book and gift shop assistant. Write 2-4 sentences in {language} only. "
            "The shopper already sees a card for each product below (title, author, price): "
            "do not list them again. Say which one you would pick first and why, for the "
            "shopper's recipient, occasion and budget, and what sets one other apart. Do not "
            "invent products or prices.")
        slim = [p.model_dump(include={"id", "title", "author", "price", "category",
                                      "in_popular_list", "outside_budget"}) for p in products]
        payload = {"context": ctx.model_dump(mode="json", include={
            "intent", "language", "recipient", "occasion", "budget", "age", "authors",
            "category", "product_type"}), "products": slim}
        return ModelRequest(task="answer", max_tokens=300, temperature=0.4, messages=[
            Message(role="system", content=system),
            Message(role="user", content=json.dumps(payload, ensure_ascii=False))])

    async def body(self, ctx: GiftContext, products: list[ProductHit]) -> AsyncIterator[str]:
        """The model's answer; when it stalls or fails (ANSWER_FIRST_TOKEN_TIMEOUT_MS,
        ANSWER_STALL_TIMEOUT_MS, the turn's deadline), the templates write the rest, joined to
        what the shopper has already read, and the call record says so."""
        written: list[str] = []
        try:
            yield " "
            async for part in self.client.stream_text(self.request(ctx, products)):
                written.append(part)
                yield part
        except ModelError:
            log = CURRENT_LOG.get()
            if log is not None and log.records:
                log.records[-1].fallback = "templates (the rest)" if written else "templates"
            if written:  # the shopper has read part of it: finish it, do not start over
                for part in chunks(rest_of_answer(ctx, products, "".join(written))):
                    yield part
            else:
                async for part in self.templates.body(ctx, products):
                    yield part
