"""Calls to a model, done properly: timeouts, bounded retries, structured output, a cache, and a
record of every call.

`ModelClient.stream_text` streams an answer. It gives the first token `first_token_timeout_s`
and every later one `stall_timeout_s`, within `timeout_s` overall; before the first token it
retries rate limits (honouring retry-after), server errors and refused connections, at most
`max_retries` times with exponential backoff. After the first token a failure is final (the
caller has shown text). A call made under a deadline (`toolkit.core.timing.deadline_within`:
a turn's or a run's) ends by it, whatever its own timeouts, so the caller has time to fall back. `complete_json` validates the answer into a pydantic model and asks
once for a repair when it is not valid JSON for the schema.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
import time
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from toolkit.core.errors import ModelError, ModelOutputError, ModelRateLimited, ModelTimeout
from toolkit.core.timing import seconds_left
from toolkit.llm.base import (
    CURRENT_LOG,
    CallLog,
    CallRecord,
    Message,
    ModelBackend,
    ModelRequest,
    StreamPart,
    TextPart,
    UsagePart,
    estimate_tokens,
)
from toolkit.llm.cache import CallCache

T = TypeVar("T", bound=BaseModel)

MAX_BACKOFF_S = 8.0


class ModelClient:
    def __init__(self, backend: ModelBackend, *, timeout_s: float = 60.0,
                 first_token_timeout_s: float | None = None, stall_timeout_s: float | None = None,
                 max_retries: int = 2, backoff_s: float = 0.5, warn_after_s: float = 30.0,
                 cache: CallCache | None = None, now_ms: Callable[[], float] | None = None) -> None:
        self.backend = backend
        self.timeout_s = timeout_s
        self.first_token_timeout_s = first_token_timeout_s or timeout_s
        self.stall_timeout_s = stall_timeout_s or timeout_s
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.warn_after_s = warn_after_s
        self.cache = cache
        self._now_ms = now_ms or (lambda: time.perf_counter() * 1000)

    @property
    def label(self) -> str:
        if self.backend.name == "offline":
            return "offline"
        simulated = " (simulated)" if self.backend.simulated else ""
        return f"{self.backend.name}:{self.backend.model}{simulated}"

    def with_limits(self, *, timeout_s: float | None = None, first_token_s: float | None = None,
                    stall_s: float | None = None) -> ModelClient:
        """The same client with tighter limits (a step's own), never looser ones."""
        total = min(self.timeout_s, timeout_s or self.timeout_s)
        return ModelClient(self.backend, timeout_s=total,
                           first_token_timeout_s=min(self.first_token_timeout_s,
                                                     first_token_s or total, total),
                           stall_timeout_s=min(self.stall_timeout_s, stall_s or total, total),
                           max_retries=self.max_retries, backoff_s=self.backoff_s,
                           warn_after_s=self.warn_after_s, cache=self.cache, now_ms=self._now_ms)

    def _key(self, request: ModelRequest) -> str:
        parts = {"backend": self.backend.name, "model": self.backend.model,
                 "request": request.cache_key_parts()}
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()

    async def stream_text(self, request: ModelRequest, *, log: CallLog | None = None) -> AsyncIterator[str]:
        """The answer's text deltas. Raises a `ModelError`; the call is recorded either way."""
        log = log if log is not None else CURRENT_LOG.get()
        record = CallRecord(task=request.task, backend=self.backend.name, model=self.backend.model,
                            simulated=self.backend.simulated, started_ms=round(self._now_ms(), 3))
        started = time.perf_counter()
        key = self._key(request) if self.cache else None
        text_parts: list[str] = []
        usage: UsagePart | None = None
        try:
            cache = self.cache
            if key and cache and (hit := await asyncio.to_thread(cache.get, key)) is not None:
                record.cached = True
                record.ttft_ms = round((time.perf_counter() - started) * 1000, 3)
                record.prompt_tokens, record.completion_tokens = hit.prompt_tokens, hit.completion_tokens
                record.tokens_estimated = hit.tokens_estimated
                text_parts.append(hit.text)
                yield hit.text
                return
            attempt = 0
            while True:
                attempt += 1
                record.attempts = attempt
                try:
                    async for part in self._attempt(request, started):
                        if isinstance(part, UsagePart):
                            usage = part
                            continue
                        if record.ttft_ms is None:
                            record.ttft_ms = round((time.perf_counter() - started) * 1000, 3)
                        text_parts.append(part.text)
                        yield part.text
                    break
                except ModelError as e:
                    if text_parts or not e.retryable or attempt > self.max_retries:
                        raise
                    await asyncio.sleep(self._backoff(e, attempt, started))
            if usage and (usage.prompt_tokens is not None or usage.completion_tokens is not None):
                record.prompt_tokens, record.completion_tokens = usage.prompt_tokens, usage.completion_tokens
            else:
                record.tokens_estimated = True
                record.prompt_tokens = sum(estimate_tokens(m.content) for m in request.messages)
                record.completion_tokens = estimate_tokens("".join(text_parts))
            if key and cache:
                await asyncio.to_thread(cache.put, key, "".join(text_parts), record)
        except ModelError as e:
            record.error = f"{type(e).__name__}: {e}"
            raise
        except (asyncio.CancelledError, GeneratorExit):
            record.error = "cancelled"
            raise
        finally:
            record.duration_ms = round((time.perf_counter() - started) * 1000, 3)
            if record.duration_ms > self.warn_after_s * 1000 and not record.error:
                record.warning = (f"slow call: {record.duration_ms / 1000:.1f} s "
                                  f"(warning threshold {self.warn_after_s:g} s)")
            if log is not None:
                log.add(record)

    async def _attempt(self, request: ModelRequest, started: float) -> AsyncIterator[StreamPart]:
        """One try, under the first-token, stall and overall timeouts."""
        stream = self.backend.stream(request).__aiter__()
        first = True
        try:
            while True:
                left = self._left(started)
                own = self.first_token_timeout_s if first else self.stall_timeout_s
                wait = min(own, left)
                if wait <= 0:
                    raise _spent(f"{self.label}: {self._out_of_time(started)}")
                try:
                    part = await asyncio.wait_for(stream.__anext__(), wait)
                except StopAsyncIteration:
                    return
                except TimeoutError:
                    if wait < own:
                        raise _spent(f"{self.label}: {self._out_of_time(started)}") from None
                    what = "no first token" if first else "the stream stalled"
                    raise _spent(f"{self.label}: {what} within {wait:.3g} s") from None
                if isinstance(part, TextPart) and part.text:
                    first = False
                yield part
        finally:
            aclose = getattr(stream, "aclose", None)
            if aclose is not None:
                with contextlib.suppress(Exception):  # closing must not mask the real error
                    await aclose()

    def _left(self, started: float) -> float:
        """Seconds this call has left: its own timeout, or the caller's deadline if sooner."""
        left = self.timeout_s - (time.perf_counter() - started)
        deadline = seconds_left()
        return left if deadline is None else min(left, deadline)

    def _out_of_time(self, started: float) -> str:
        own = self.timeout_s - (time.perf_counter() - started)
        deadline = seconds_left()
        if deadline is not None and deadline < own:
            return "no time left before the caller's deadline"
        return f"no answer within {self.timeout_s:g} s"

    def _backoff(self, error: ModelError, attempt: int, started: float) -> float:
        delay = self.backoff_s * 2 ** (attempt - 1)
        if isinstance(error, ModelRateLimited) and error.retry_after is not None:
            delay = float(error.retry_after)
        return float(max(0.0, min(delay, MAX_BACKOFF_S, self._left(started))))

    async def complete_text(self, request: ModelRequest, *, log: CallLog | None = None) -> str:
        return "".join([part async for part in self.stream_text(request, log=log)])

    async def complete_json(self, request: ModelRequest, schema: type[T], *,
                            log: CallLog | None = None) -> T:
        """The answer validated into `schema`; one repair request if it is not. An answer that
        fails validation is recorded as the call's error."""
        log = log if log is not None else CURRENT_LOG.get()
        if request.json_schema is None:
            request = request.model_copy(update={"json_schema": schema.model_json_schema()})
        for attempt in (1, 2):
            own = CallLog()
            try:
                text = await self.complete_text(request, log=own)
            finally:
                if log is not None:
                    log.records.extend(own.records)
            try:
                return parse_json_model(text, schema)
            except ModelOutputError as e:
                own.records[-1].error = f"ModelOutputError: {e}"
                if attempt == 2:
                    raise
                request = request.model_copy(update={"messages": [
                    *request.messages,
                    Message(role="assistant", content=text[:4000]),
                    Message(role="user", content=(
                        f"That was not valid JSON for the schema ({e}). Reply with only the "
                        "JSON object, nothing else.")),
                ]})
        raise AssertionError("unreachable")


def _spent(message: str) -> ModelTimeout:
    """A timeout of the call's own deadlines: not retried, since a second try would wait as long
    again on a server that is stalled (a backend's own connect timeout stays retryable)."""
    error = ModelTimeout(message)
    error.retryable = False
    return error


_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$", re.IGNORECASE)


def parse_json_model(text: str, schema: type[T]) -> T:
    """A model's text as `schema`: code fences and text around the object are tolerated."""
    cleaned = _FENCE.sub("", text.strip())
    start, end = cleaned.find("{"), cleaned.rfind("}")
    if start < 0 or end <= start:
        raise ModelOutputError(f"no JSON object in the answer ({len(text)} characters)")
    try:
        return schema.model_validate_json(cleaned[start:end + 1])
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the object"
        raise ModelOutputError(f"invalid JSON for {schema.__name__}: {where}: {first['msg']}") from None
