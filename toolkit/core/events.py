"""The assistant's event protocol: a public contract.

Every turn is a stream of these small frozen models, a discriminated union on `type`, ending
with exactly one `done`. `python -m toolkit chat --json` prints them as JSON lines. Fields may be
added; the ones here are the contract (see docs and ../shared/DESIGN.md).

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

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

Decision = Literal["search", "clarify", "conversational", "inquiry", "refine"]

# The events a user sees; TTFC is measured to the first of them.
USER_VISIBLE = frozenset({"skeleton", "products", "text"})


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True)


class IntentEvent(_Event):
    type: Literal["intent"] = "intent"
    intent: str
    confidence: float
    decision: Decision
    signals: dict[str, bool]
    context: dict[str, Any]
    language: str = "et"
    # Set when a skeleton went out on the fast path's word and the model then routed elsewhere:
    # faces drop the skeleton; no products follow.
    revised_from: Decision | None = None


class SkeletonEvent(_Event):
    type: Literal["skeleton"] = "skeleton"
    count: int


class ProductsEvent(_Event):
    type: Literal["products"] = "products"
    products: list[dict[str, Any]]
    metadata: dict[str, Any]


class TextEvent(_Event):
    type: Literal["text"] = "text"
    delta: str


class SuggestionsEvent(_Event):
    type: Literal["suggestions"] = "suggestions"
    items: list[str]


class Span(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    start_ms: float
    end_ms: float

    @property
    def duration_ms(self) -> float:
        return self.end_ms - self.start_ms


class TimingEvent(_Event):
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
    calls: list[dict[str, Any]] = Field(default_factory=list)  # one record per model call
    fallbacks: list[str] = Field(default_factory=list)  # steps the rules did for a failed model
    speculation: str | None = None  # the speculative search: kept, replaced, or cancelled


class ErrorEvent(_Event):
    type: Literal["error"] = "error"
    message: str


class DoneEvent(_Event):
    type: Literal["done"] = "done"


Event = Annotated[
    IntentEvent | SkeletonEvent | ProductsEvent | TextEvent | SuggestionsEvent | TimingEvent
    | ErrorEvent | DoneEvent,
    Field(discriminator="type"),
]
EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)


def parse_event(data: str | bytes | dict) -> Event:
    """An event from its JSON line or dict (what a face reading `chat --json` does)."""
    if isinstance(data, dict):
        return EVENT_ADAPTER.validate_python(data)
    return EVENT_ADAPTER.validate_json(data)


# -- the syllabus pipeline's events (a union of their own, designed the same way) ------------


class OutlineEvent(_Event):
    type: Literal["outline"] = "outline"
    title: str
    audience: str
    modules: list[dict[str, Any]]  # [{number, title, scope}]
    note: str | None = None  # e.g. "padded from 5 to 8 modules with offline titles"


class ModuleEvent(_Event):
    type: Literal["module"] = "module"
    number: int
    module: dict[str, Any] | None  # None when the module failed
    call: dict[str, Any] | None = None  # the call record
    error: str | None = None


class ProgressEvent(_Event):
    type: Literal["progress"] = "progress"
    done: int
    failed: int
    total: int


class SyllabusTimingEvent(_Event):
    type: Literal["timing"] = "timing"
    total_ms: float
    phases: dict[str, float]  # outline_ms, modules_ms, finalization_ms
    spans: list[Span]
    calls: list[dict[str, Any]]
    mode: str
    concurrency: int
    backend: str
    simulated: bool = False


class SyllabusDoneEvent(_Event):
    type: Literal["done"] = "done"
    syllabus: dict[str, Any] | None = None


SyllabusEvent = Annotated[
    OutlineEvent | ModuleEvent | ProgressEvent | SyllabusTimingEvent | ErrorEvent
    | SyllabusDoneEvent,
    Field(discriminator="type"),
]
SYLLABUS_EVENT_ADAPTER: TypeAdapter[SyllabusEvent] = TypeAdapter(SyllabusEvent)


def parse_syllabus_event(data: str | bytes | dict) -> SyllabusEvent:
    if isinstance(data, dict):
        return SYLLABUS_EVENT_ADAPTER.validate_python(data)
    return SYLLABUS_EVENT_ADAPTER.validate_json(data)
