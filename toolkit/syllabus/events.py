"""The syllabus pipeline's events: a discriminated union of its own, designed like the assistant's.

    outline    the plan: title, audience, module titles
    module     one module, as its call completes; from the offline template when the call
               failed or ran out of time (`module.fallback` says why)
    progress   done and total after each module (`failed` stays 0: see `module.fallback`)
    timing     once: phases, spans and every call's record
    error      the run could not finish
    done       exactly once, last, with the syllabus (None if it could not be written)
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, TypeAdapter

from toolkit.core.events import ErrorEvent, FrozenEvent
from toolkit.core.timing import Span
from toolkit.llm.base import CallRecord
from toolkit.syllabus.models import Module, Syllabus


class OutlineModule(BaseModel):
    number: int
    title: str
    scope: str = ""


class OutlineEvent(FrozenEvent):
    type: Literal["outline"] = "outline"
    title: str
    audience: str
    modules: list[OutlineModule]
    note: str | None = None  # e.g. "padded from 5 to 8 modules with offline titles"


class ModuleEvent(FrozenEvent):
    type: Literal["module"] = "module"
    number: int
    module: Module | None  # None only from earlier versions, where a module could fail
    call: CallRecord | None = None
    error: str | None = None


class ProgressEvent(FrozenEvent):
    type: Literal["progress"] = "progress"
    done: int
    failed: int
    total: int


class SyllabusTimingEvent(FrozenEvent):
    type: Literal["timing"] = "timing"
    total_ms: float
    phases: dict[str, float]  # outline_ms, modules_ms, finalization_ms
    spans: list[Span]
    calls: list[CallRecord]
    mode: str
    concurrency: int
    backend: str
    simulated: bool = False


class SyllabusDoneEvent(FrozenEvent):
    type: Literal["done"] = "done"
    syllabus: Syllabus | None = None


SyllabusEvent = Annotated[
    OutlineEvent | ModuleEvent | ProgressEvent | SyllabusTimingEvent | ErrorEvent
    | SyllabusDoneEvent,
    Field(discriminator="type"),
]
_ADAPTER: TypeAdapter[SyllabusEvent] | None = None


def parse_syllabus_event(data: str | bytes | dict[str, object]) -> SyllabusEvent:
    global _ADAPTER
    if _ADAPTER is None:
        _ADAPTER = TypeAdapter(SyllabusEvent)
    if isinstance(data, dict):
        return _ADAPTER.validate_python(data)
    return _ADAPTER.validate_json(data)
