"""Measured time: spans on a monotonic clock, relative to the start of a turn or a run, what
each span waited on, and the critical path through them; and the deadline a turn or a run sets
for everything it awaits.

    with clock.span("context"): ...            # waits on the spans this flow has finished
    search = clock.task(steps.search(...))     # a task starts after what its starter finished
    found = await clock.join(search)           # the next span waits on the task's spans too
    critical_path(event.spans)                 # the longest chain of spans that waited in turn

    with deadline_within(7.0):      # this task and the tasks it starts
        ...                         # a model call asks `seconds_left()` and ends in time

**Dependencies.** A *flow* is code that runs one step after another in one task. A span waits on
the spans its flow finished before it started: the last one, or, after a `join`, the last one of
each flow joined. A task started with `TurnClock.task` begins where its starter stood. A span's
`after` lists those spans by their position in the clock's list; since a span is listed when it
ends, they are always earlier positions.

**Critical path.** The chain of spans, each waiting on the one before it, whose durations add up
to the most: `critical_path_ms`. Time between the spans of the chain (emitting events, handing
over between tasks) and before the first and after the last is not in it, so total / critical
path is the orchestrator's own overhead (1.0 for none), and total / the sum of all spans is what
running spans side by side saved (1.0 when one ran after another, lower when they overlapped).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Coroutine, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Span(BaseModel):
    """One measured step, in milliseconds from the start; `after`: the positions, in the same
    list of spans, of the spans it waited on."""

    model_config = ConfigDict(frozen=True)

    name: str
    start_ms: float
    end_ms: float
    after: list[int] = Field(default_factory=list)

    @property
    def duration_ms(self) -> float:
        return self.end_ms - self.start_ms


# The spans the running flow has waited on, per clock: {the clock's number: positions}. A
# context variable, so a task inherits its starter's and keeps its own apart; replaced, never
# changed in place, and holding the few clocks used last.
_FRONTIER: ContextVar[dict[int, tuple[int, ...]]] = ContextVar("toolkit_span_frontier")
_CLOCK_NUMBERS = itertools.count(1)
_CLOCKS_KEPT = 8


class TurnClock:
    """Starts when the orchestrator receives the message; every figure is measured from there."""

    def __init__(self) -> None:
        self._t0 = time.perf_counter()
        self._number = next(_CLOCK_NUMBERS)
        self.spans: list[Span] = []
        self.first_visible_ms: float | None = None
        self.marks: dict[str, float] = {}
        self._task_ends: dict[asyncio.Future[Any], tuple[int, ...]] = {}

    def now_ms(self) -> float:
        return (time.perf_counter() - self._t0) * 1000

    def _frontier(self) -> tuple[int, ...]:
        return _FRONTIER.get({}).get(self._number, ())

    def _set_frontier(self, positions: tuple[int, ...]) -> None:
        others = [(k, v) for k, v in _FRONTIER.get({}).items() if k != self._number]
        _FRONTIER.set(dict([*others[-(_CLOCKS_KEPT - 1):], (self._number, positions)]))

    @contextmanager
    def span(self, name: str) -> Iterator[None]:
        """Record a step; usable around sync code and around awaits alike. It waited on the
        spans this flow finished before it."""
        after = self._frontier()
        start = self.now_ms()
        try:
            yield
        finally:
            self.spans.append(Span(name=name, start_ms=round(start, 3),
                                   end_ms=round(self.now_ms(), 3), after=list(after)))
            self._set_frontier((len(self.spans) - 1,))

    def task(self, work: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """Start `work` as a task whose spans wait on what this flow has finished; `join` it."""
        async def run() -> T:
            try:
                return await work
            finally:
                me = asyncio.current_task()
                if me is not None:
                    self._task_ends[me] = self._frontier()

        task = asyncio.create_task(run())
        # A task cancelled before it began never awaited `work`: close it, unawaited is a warning.
        task.add_done_callback(lambda _: work.close())
        return task

    async def join(self, task: asyncio.Future[T]) -> T:
        """Await a task started by `task`; this flow's next span also waits on its spans."""
        try:
            return await task
        finally:
            self._wait_on(self._task_ends.get(task, ()))

    def _wait_on(self, positions: tuple[int, ...]) -> None:
        merged = set(self._frontier()) | set(positions)
        # A span another one in the set already waited on adds nothing to the chain.
        implied = {p for q in merged for p in self.spans[q].after}
        self._set_frontier(tuple(sorted(merged - implied)))

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


@dataclass(frozen=True)
class CriticalPath:
    """The longest chain of spans that waited on each other, and what it says of a total."""

    positions: tuple[int, ...]  # in the list of spans, first to last
    names: list[str]
    ms: float  # the sum of the chain's durations
    span_sum_ms: float  # the sum of every span's duration, overlapping or not

    def overhead_ratio(self, total_ms: float) -> float | None:
        """Total over the critical path: 1.0 when the orchestrator adds nothing to the chain."""
        return round(total_ms / self.ms, 3) if self.ms > 0 else None

    def parallel_ratio(self, total_ms: float) -> float | None:
        """Total over the sum of the spans: near 1.0 when one step ran after another, lower
        the more the steps overlapped."""
        return round(total_ms / self.span_sum_ms, 3) if self.span_sum_ms > 0 else None


def critical_path(spans: Sequence[Span]) -> CriticalPath:
    """The chain s1 -> s2 -> ... -> sk, each in the `after` of the next, with the largest sum of
    durations. `after` positions must be earlier in `spans` (as a clock records them); others
    are ignored. Ties go to the chain that ends later."""
    longest: list[float] = []  # the longest chain ending at each span
    previous: list[int | None] = []
    for i, span in enumerate(spans):
        waited = [j for j in span.after if 0 <= j < i]
        before = max(waited, key=lambda j: (longest[j], spans[j].end_ms), default=None)
        longest.append(max(span.duration_ms, 0.0) + (longest[before] if before is not None else 0.0))
        previous.append(before)
    span_sum = round(sum(max(s.duration_ms, 0.0) for s in spans), 3)
    if not spans:
        return CriticalPath((), [], 0.0, 0.0)
    last: int | None = max(range(len(spans)), key=lambda i: (longest[i], spans[i].end_ms))
    chain: list[int] = []
    while last is not None:
        chain.append(last)
        last = previous[last]
    chain.reverse()
    return CriticalPath(tuple(chain), [spans[i].name for i in chain],
                        round(longest[chain[-1]], 3), span_sum)


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
        try:
            _DEADLINE.reset(token)
        except ValueError:  # an async generator closed from another context (its finaliser)
            _DEADLINE.set(outer)


def seconds_left() -> float | None:
    """Seconds until the current deadline (may be negative), or None when there is none."""
    deadline = _DEADLINE.get()
    return None if deadline is None else deadline - time.perf_counter()
