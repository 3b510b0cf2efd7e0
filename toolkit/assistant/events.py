"""The assistant's event protocol: a public contract.

Every turn is a stream of these small frozen models, a discriminated union on `type`, ending
with exactly one `done`. Their payloads are typed too: cards are `ProductHit`s, the context a
`GiftContext`, call records `CallRecord`s. `python -m toolkit chat --json` prints them as JSON
lines and `parse_event` reads them back. Fields may be added; the ones here are the contract
(docs/assistant.md).

    intent       once per turn, after routing
    skeleton     only when the decision is `search`, before any `products`
    products     when cards are ready (may come more than once)
    text         streamed answer text
    suggestions  follow-up suggestions
    timing       once, just before `done`
    error        a failure the user must know about (the stream still ends with `done`)
    done         exactly once, last
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, TypeAdapter

from toolkit.assistant.context import GiftContext
from toolkit.core.events import ErrorEvent, FrozenEvent
from toolkit.core.timing import Span
from toolkit.llm.base import CallRecord
from toolkit.shop.search import (
    DiversityInfo,
    FunnelWarning,
    ProductHit,
    SearchFilters,
    SearchMetrics,
)

Decision = Literal["search", "clarify", "conversational", "inquiry", "refine"]
# What became of a search started on the rules' reading before the model's context came:
# kept (the same search), replaced (another search), cancelled (not a search after all).
SpeculationOutcome = Literal["kept", "replaced", "cancelled"]

# The events a user sees; TTFC is measured to the first of them.
USER_VISIBLE = frozenset({"skeleton", "products", "text"})


class IntentEvent(FrozenEvent):
    type: Literal["intent"] = "intent"
    intent: str
    confidence: float
    decision: Decision
    signals: dict[str, bool]
    context: GiftContext
    language: Literal["et", "en"] = "et"
    # Set when a skeleton went out on the fast path's word and the model then routed elsewhere:
    # faces drop the skeleton; no products follow.
    revised_from: Decision | None = None
    # With a model: what its context did to the search started on the rules' reading (None
    # when none was started), and what it read differently ("category: Krimi -> Luule").
    speculation: SpeculationOutcome | None = None
    revisions: list[str] = Field(default_factory=list)
    # Why a turn was refined ("keyboard mashing") or failed before routing ("failed: timeout").
    reason: str | None = None


class SkeletonEvent(FrozenEvent):
    type: Literal["skeleton"] = "skeleton"
    count: int


class SearchInfo(BaseModel):
    """How the products were searched for (None where they came from memory)."""

    time_ms: float | None = None
    metrics: SearchMetrics | None = None
    diversity: DiversityInfo | None = None
    warnings: list[FunnelWarning] = Field(default_factory=list)
    filters: SearchFilters = Field(default_factory=SearchFilters)


class ProductsMetadata(BaseModel):
    """Where the cards came from and why: every field is always on the wire."""

    query: str = ""
    hints: list[str] = Field(default_factory=list)
    product_type: str | None = None
    category: str | None = None
    category_hints: list[str] = Field(default_factory=list)
    source: Literal["memory", "search"] = "search"
    memory_notes: list[str] = Field(default_factory=list)
    search: SearchInfo = Field(default_factory=SearchInfo)
    safety_preface: str | None = None
    suggestions: list[str] = Field(default_factory=list)
    context: GiftContext = Field(default_factory=GiftContext)
    stage: Literal["early", "final"] = "final"
    refines: bool = False  # the same ids as an earlier products event of this turn
    speculation: str | None = None
    model_calls: list[CallRecord] = Field(default_factory=list)


class ProductsEvent(FrozenEvent):
    type: Literal["products"] = "products"
    products: list[ProductHit]
    metadata: ProductsMetadata


class TextEvent(FrozenEvent):
    type: Literal["text"] = "text"
    delta: str


class SuggestionsEvent(FrozenEvent):
    type: Literal["suggestions"] = "suggestions"
    items: list[str]


class TimingEvent(FrozenEvent):
    type: Literal["timing"] = "timing"
    ttfc_ms: float | None
    total_ms: float
    spans: list[Span]
    context_ms: float | None = None
    search_ms: float | None = None
    products_ms: float | None = None
    mode: str = "parallel"
    backend: str = "offline"
    simulated: bool = False  # the backend's latency is simulated
    backend_note: str | None = None  # why this backend (what `auto` chose, and why)
    calls: list[CallRecord] = Field(default_factory=list)  # one record per model call
    fallbacks: list[str] = Field(default_factory=list)  # steps the rules did for a failed model
    speculation: str | None = None  # the speculative search: kept, replaced, or cancelled
    # The longest chain of spans that waited on each other (toolkit.core.timing.critical_path):
    # its length (the sum of its spans), its span names; total over it (the orchestrator's
    # overhead, 1.0 for none) and total over the sum of all spans (below 1.0 when steps
    # overlapped: what running them side by side saved).
    critical_path_ms: float | None = None
    critical_path: list[str] = Field(default_factory=list)
    span_sum_ms: float | None = None
    overhead_ratio: float | None = None
    parallel_ratio: float | None = None


class DoneEvent(FrozenEvent):
    type: Literal["done"] = "done"


Event = Annotated[
    IntentEvent | SkeletonEvent | ProductsEvent | TextEvent | SuggestionsEvent | TimingEvent
    | ErrorEvent | DoneEvent,
    Field(discriminator="type"),
]
_ADAPTER: TypeAdapter[Event] | None = None


def parse_event(data: str | bytes | dict[str, object]) -> Event:
    """An event from its JSON line or dict (what a face reading `chat --json` does)."""
    global _ADAPTER
    if _ADAPTER is None:  # built on first use: a union's validator costs start-up time
        _ADAPTER = TypeAdapter(Event)
    if isinstance(data, dict):
        return _ADAPTER.validate_python(data)
    return _ADAPTER.validate_json(data)


__all__ = [
    "USER_VISIBLE", "Decision", "DoneEvent", "ErrorEvent", "Event", "IntentEvent",
    "ProductsEvent", "ProductsMetadata", "SearchInfo", "SkeletonEvent", "SpeculationOutcome",
    "SuggestionsEvent", "TextEvent", "TimingEvent", "parse_event",
]
