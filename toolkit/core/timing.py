"""Measured time: spans on a monotonic clock, relative to the start of a turn or a run."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

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
