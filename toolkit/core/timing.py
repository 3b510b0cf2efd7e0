"""Measured time: spans on a monotonic clock, relative to the start of a turn or a run; and the
deadline a turn or a run sets for everything it awaits.

    with deadline_within(7.0):      # this task and the tasks it starts
        ...                         # a model call asks `seconds_left()` and ends in time
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from pydantic import BaseModel, ConfigDict


class Span(BaseModel):
    """One measured step, in milliseconds from the start."""

    model_config = ConfigDict(frozen=True)

    name: str
    start_ms: float
    end_ms: float

    @property
    def duration_ms(self) -> float:
        return self.end_ms - self.start_ms


class TurnClock:
    """Starts when the orchestrator receives the message; every figure is measured from there."""

    def __init__(self) -> None:
        self._t0 = time.perf_counter()
        self.spans: list[Span] = []
        self.first_visible_ms: float | None = None
        self.marks: dict[str, float] = {}

    def now_ms(self) -> float:
        return (time.perf_counter() - self._t0) * 1000

    @contextmanager
    def span(self, name: str) -> Iterator[None]:
        """Record a step; usable around sync code and around awaits alike."""
        start = self.now_ms()
        try:
            yield
        finally:
            self.spans.append(Span(name=name, start_ms=round(start, 3), end_ms=round(self.now_ms(), 3)))

    def mark(self, name: str) -> float:
        """Note the moment something happened (e.g. products sent); kept once, the first time."""
        return self.marks.setdefault(name, round(self.now_ms(), 3))

    def visible(self) -> None:
        """The user saw something: the first call fixes TTFC."""
        if self.first_visible_ms is None:
            self.first_visible_ms = round(self.now_ms(), 3)

    def duration(self, name: str) -> float | None:
        total = [s.duration_ms for s in self.spans if s.name == name]
        return round(sum(total), 3) if total else None


# The moment (time.perf_counter) by which the current turn or run must have its answer; a model
# call started under it ends early enough for the templates to take over. Tasks inherit it.
_DEADLINE: ContextVar[float | None] = ContextVar("toolkit_deadline", default=None)


@contextmanager
def deadline_within(seconds: float) -> Iterator[None]:
    """Everything awaited inside (and every task started inside) must end within `seconds`,
    or sooner if an outer deadline says so."""
    outer = _DEADLINE.get()
    mine = time.perf_counter() + seconds
    token = _DEADLINE.set(mine if outer is None else min(outer, mine))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def seconds_left() -> float | None:
    """Seconds until the current deadline (may be negative), or None when there is none."""
    deadline = _DEADLINE.get()
    return None if deadline is None else deadline - time.perf_counter()
