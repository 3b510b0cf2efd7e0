"""Step 4: the products of a search turn. Memory first, then the catalog.

`plan_search` resolves follow-ups from memory before any search: "näita veel" / "show me more"
serves the next unseen results of the last search; "odavamaid" / "something cheaper" serves
the cheaper ones already found, or searches again under the new ceiling; "kõige odavam" / "the
cheapest" ignores exclusions and sorts by price; "tema teosed" / "more by this author" searches
that author. `find` carries the plan out (from memory, or `search_products` within
SEARCH_TIMEOUT_MS) and returns what was `Found`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from toolkit.assistant.context import Budget, GiftContext
from toolkit.assistant.memory import ConversationState
from toolkit.shop.catalog import Catalog
from toolkit.shop.search import ProductHit, SearchFilters, SearchResult, Sort, search_products
from toolkit.shop.taxonomy import Taxonomy

CARDS = 3  # product cards shown per turn
RESULTS = 12  # products a search fetches: the cards, and the rest kept for "show more"


@dataclass(frozen=True)
class SearchPlan:
    """How this turn gets its products: from memory, or by a search with these arguments."""

    query: str
    hints: list[str] = field(default_factory=list)
    filters: SearchFilters = field(default_factory=SearchFilters)
    sort: Sort = "relevance"
    from_memory: list[ProductHit] | None = None  # products served without a search
    notes: list[str] = field(default_factory=list)  # what memory changed, for metadata and logs

    @property
    def source(self) -> Literal["memory", "search"]:
        return "memory" if self.from_memory is not None else "search"

    def same_search(self, other: SearchPlan) -> bool:
        """Both plans would fetch the same products."""
        return (self.query, self.hints, self.filters, self.sort, self.source) == (
            other.query, other.hints, other.filters, other.sort, other.source)


@dataclass(frozen=True)
class Found:
    """What a plan found: the cards to show now and the rest, kept for "show more"."""

    plan: SearchPlan
    result: SearchResult | None  # None when served from memory
    products: list[ProductHit]

    @property
    def shown(self) -> list[ProductHit]:
        return self.products[:CARDS]

    @property
    def candidates(self) -> list[ProductHit]:
        return self.products[CARDS:]


def _without(products: list[ProductHit], ids: set[str]) -> list[ProductHit]:
    return [p for p in products if p.id not in ids]


def still_in_catalog(catalog: Catalog, state: ConversationState) -> ConversationState:
    """The state without remembered products the catalog no longer has (after an import), so
    "show more" never serves one."""
    remembered = [p.id for p in state.last_products + state.candidates]
    if not remembered:
        return state
    known = {row["id"] for row in catalog.products_by_id(remembered)}
    if len(known) == len(set(remembered)):
        return state
    return state.model_copy(update={
        "last_products": [p for p in state.last_products if p.id in known],
        "candidates": [p for p in state.candidates if p.id in known]})


def plan_search(ctx: GiftContext, state: ConversationState) -> SearchPlan:
    """Memory first: serve a follow-up from what the conversation already holds, else say how
    to search. Call `carry_over` first."""
    shown = set(state.shown_ids)
    budget = ctx.budget or Budget()
    filters: dict[str, object] = dict(
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
                   if budget.max is None or p.price <= budget.max]
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


def find(catalog: Catalog, plan: SearchPlan) -> Found:
    """Carry the plan out (blocking: run it in a worker thread)."""
    if plan.from_memory is not None:
        return Found(plan, None, plan.from_memory)
    result = search_products(catalog, plan.query, plan.filters, hints=plan.hints, sort=plan.sort,
                             limit=RESULTS)
    filters = plan.filters
    if not result.products and any(w.code == "no_text_match" for w in result.warnings) and (
            filters.product_types or filters.categories or filters.authors
            or filters.has_budget or filters.age is not None):
        # The words are unknown to the catalog but the filters say what is wanted: browse.
        result = search_products(catalog, "", filters, hints=plan.hints, sort=plan.sort,
                                 limit=RESULTS)
    return Found(plan, result, result.products)


@dataclass(frozen=True)
class RefinementIdeas:
    """Concrete ways out of an empty result."""

    categories: list[str]
    cheapest_price: float | None = None
    suggested_max: float | None = None


def refinement_ideas(catalog: Catalog, taxonomy: Taxonomy, plan: SearchPlan) -> RefinementIdeas:
    """The nearest price above the budget and other categories to try."""
    filters = plan.filters
    categories = [c for c in taxonomy.largest_categories(4) if c not in filters.categories][:3]
    if filters.has_budget:
        wider = search_products(catalog, plan.query, filters.without_budget(), sort="price_asc",
                                limit=1)
        if wider.products:
            cheapest = wider.products[0].price
            return RefinementIdeas(categories, cheapest, max(cheapest, filters.max_price or 0) + 5)
    return RefinementIdeas(categories)


def _plain(text: str) -> str:
    return re.sub(r"[^\w]+", " ", text.lower()).strip()


def inquired_product(catalog: Catalog, ctx: GiftContext,
                     state: ConversationState) -> ProductHit | None:
    """The shown product asked about: by id, exact title, partial title or position, with its
    description read from the catalog when memory did not keep it."""
    shown, inquiry = state.last_products, ctx.product_inquiry
    if not shown or inquiry is None:
        return None
    product = None
    if inquiry.product_id:
        product = next((p for p in shown if p.id == inquiry.product_id), None)
    if product is None and inquiry.product_name:
        name = _plain(inquiry.product_name)
        product = next((p for p in shown if _plain(p.title) == name), None) or \
            next((p for p in shown if name and name in _plain(p.title)), None)
    if product is None and inquiry.ordinal:
        index = inquiry.ordinal - 1 if inquiry.ordinal > 0 else inquiry.ordinal
        product = shown[index] if -len(shown) <= index < len(shown) else None
    if product is not None and not product.description:
        stored = catalog.products_by_id([product.id])
        if stored:
            product = product.model_copy(update={"description": stored[0].get("description")})
    return product
