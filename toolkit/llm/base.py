"""The one protocol every model backend implements, and what a call leaves behind.

A backend streams the parts of one answer: text deltas, then (if the server reports it) the
token usage. Everything else (timeouts, retries, structured output, the cache, the call record)
is built on that one method by `toolkit.llm.client.ModelClient`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel


class Message(BaseModel):
    role: str  # "system", "user" or "assistant"
    content: str


class ModelRequest(BaseModel):
    """One call: the task it serves (offline handlers are keyed by it), the messages, and an
    optional JSON schema the answer must follow."""

    task: str
    messages: list[Message]
    json_schema: dict[str, Any] | None = None
    temperature: float = 0.2
    max_tokens: int = 512
    # The task's inputs as data, for offline handlers (templates need no prompt parsing).
    # Never sent to a server; part of the cache key.
    data: dict[str, Any] | None = None

    def cache_key_parts(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


@dataclass(frozen=True)
class TextPart:
    text: str


@dataclass(frozen=True)
class UsagePart:
    """Token counts the server reported (Ollama's eval counts, Groq's x_groq.usage)."""

    prompt_tokens: int | None
    completion_tokens: int | None


StreamPart = TextPart | UsagePart


class ModelBackend(Protocol):
    """Streams one answer. `name` is the backend ("ollama", "groq", "offline", ...), `model`
    the model it runs; `simulated` is true when its latency is made up."""

    name: str
    model: str
    simulated: bool

    def stream(self, request: ModelRequest) -> AsyncIterator[StreamPart]: ...


class CallRecord(BaseModel):
    """What one model call did, measured. Shown in timing views; never holds a key."""

    task: str
    backend: str
    model: str
    simulated: bool = False
    cached: bool = False
    started_ms: float = 0.0  # on the caller's clock, when it has one
    ttft_ms: float | None = None
    duration_ms: float = 0.0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    tokens_estimated: bool = False  # counts estimated from text, not reported by the server
    attempts: int = 1
    warning: str | None = None
    error: str | None = None
    fallback: str | None = None  # what the step did instead, when the call failed


@dataclass
class CallLog:
    """The records of the calls made for one turn or one run, in order."""

    records: list[CallRecord] = field(default_factory=list)

    def add(self, record: CallRecord) -> None:
        self.records.append(record)


# The log of the turn or run in progress: a client records its calls here when not given one.
# Tasks started inside a turn share it, so every call of the turn lands in one place.
CURRENT_LOG: ContextVar[CallLog | None] = ContextVar("toolkit_call_log", default=None)


def estimate_tokens(text: str) -> int:
    """About four characters a token: the usual rule for Latin-script text."""
    return max(1, round(len(text) / 4)) if text else 0
