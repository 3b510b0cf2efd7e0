"""How a simulated model misreads a shopper's message, as a real model sometimes does.

A `SimulatedBackend` over the offline backend answers the context extraction with the rules, so
its context always agrees with the fast path and the parallel orchestrator's speculative search
is always kept: the best case by construction. With a disagreement rate
(`SIMULATED_DISAGREEMENT`, `SimulatedBackend(disagreement=...)`), that share of the context
extractions is read differently, one of three ways chosen per message:

| kind | what the model answers | what the parallel orchestrator then does |
|---|---|---|
| category | another shelf of the same product type ("Krimi" -> "Ulme") | replaces the search |
| budget | the ceiling halved or doubled, or one read where none was said | replaces the search (kept where the plan ignores the budget, e.g. "the cheapest") |
| conversational | the search read as a question to the shop | cancels it: no products |

Only a reading of a search is changed: a greeting stays a greeting. Which messages, and which
kind, follow from the backend's seed and the message alone, so runs are reproducible.
"""

from __future__ import annotations

import random

from toolkit.assistant.context import SEARCH_INTENTS
from toolkit.assistant.model_steps import ContextExtraction
from toolkit.assistant.search import CARDS
from toolkit.llm.simulated import Misreading
from toolkit.shop.taxonomy import Taxonomy

KINDS = ("category", "budget", "conversational")
BUDGET_FACTORS = (0.5, 2.0)  # a ceiling misread: halved or doubled
BUDGETS_NOT_SAID = (10.0, 15.0, 25.0, 40.0)  # a ceiling read where the shopper named none


def context_misreading(taxonomy: Taxonomy) -> Misreading:
    """The misreading of the `gift_context` task over this catalog's taxonomy."""

    def misread(answer: str, rng: random.Random) -> str:
        extraction = ContextExtraction.model_validate_json(answer)
        if extraction.intent not in SEARCH_INTENTS:
            return answer
        kind = rng.choice(KINDS)
        if kind == "category":
            other = other_category(taxonomy, extraction, rng)
            if other is not None:
                return extraction.model_copy(update={"category": other}).model_dump_json()
            kind = "budget"  # no neighbouring shelf: misread the budget instead
        if kind == "budget":
            return other_budget(extraction, rng).model_dump_json()
        return extraction.model_copy(update={
            "intent": "question", "confidence": 0.8, "product_type": None, "category": None,
        }).model_dump_json()

    return misread


def other_category(taxonomy: Taxonomy, extraction: ContextExtraction,
                   rng: random.Random) -> str | None:
    """A category that holds the same product type (so the search still finds something),
    with at least a card's worth of products, other than the one read."""
    current = extraction.category
    types = ({extraction.product_type} if extraction.product_type
             else taxonomy.types_of_category.get(current or "", set()))
    candidates = sorted(
        c for c, held in taxonomy.types_of_category.items()
        if c != current and taxonomy.category_sizes.get(c, 0) >= CARDS
        and (not types or held & types))
    return rng.choice(candidates) if candidates else None


def other_budget(extraction: ContextExtraction, rng: random.Random) -> ContextExtraction:
    ceiling = extraction.budget_max
    if ceiling is None:
        return extraction.model_copy(update={"budget_max": rng.choice(BUDGETS_NOT_SAID)})
    misread = float(round(ceiling * rng.choice(BUDGET_FACTORS)))
    low = extraction.budget_min
    return extraction.model_copy(update={
        "budget_max": misread, "budget_min": low if low is None or low <= misread else None})
