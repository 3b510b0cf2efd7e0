"""The critical path of a turn: spans that record what they waited on, the longest chain
through them, and the two ratios the timing event reports (toolkit.core.timing)."""

from __future__ import annotations

import asyncio

import pytest
from protocol import assert_protocol

from toolkit.assistant import Assistant
from toolkit.assistant.events import TimingEvent, parse_event
from toolkit.core.settings import AssistantSettings, ModelSettings
from toolkit.core.timing import Span, TurnClock, critical_path
from toolkit.llm import OfflineBackend, Selection, SimulatedBackend


def span(name: str, start: float, end: float, *after: int) -> Span:
    return Span(name=name, start_ms=start, end_ms=end, after=list(after))


# -- the pure function, on graphs made by hand ---------------------------------------------


def test_a_chain_is_its_own_critical_path():
    spans = [span("a", 0, 10), span("b", 10, 30, 0), span("c", 30, 35, 1)]
    path = critical_path(spans)
    assert path.names == ["a", "b", "c"] and path.positions == (0, 1, 2)
    assert path.ms == 35 and path.span_sum_ms == 35
    assert path.overhead_ratio(35) == 1.0 and path.parallel_ratio(35) == 1.0


def test_of_two_branches_the_longer_one_is_on_the_path():
    # root -> (x, 20 ms | y, 10 ms) -> join: the join waited on both
    spans = [span("root", 0, 5), span("y", 5, 15, 0), span("x", 5, 25, 0),
             span("join", 25, 30, 1, 2)]
    path = critical_path(spans)
    assert path.names == ["root", "x", "join"] and path.ms == 30
    assert path.span_sum_ms == 40
    assert path.overhead_ratio(30) == 1.0
    assert path.parallel_ratio(30) == 0.75  # 10 ms of y ran beside x


def test_gaps_between_the_spans_of_the_chain_are_overhead():
    spans = [span("a", 0, 10), span("b", 20, 30, 0)]
    path = critical_path(spans)
    assert path.ms == 20 and path.overhead_ratio(30) == 1.5


def test_spans_that_waited_on_nothing_start_chains_of_their_own():
    spans = [span("short", 0, 5), span("long", 0, 40), span("after short", 5, 20, 0)]
    path = critical_path(spans)
    assert path.names == ["long"] and path.ms == 40
    assert path.parallel_ratio(40) == round(40 / 60, 3)


def test_a_tie_goes_to_the_chain_that_ends_later():
    spans = [span("a", 0, 10), span("b", 20, 30)]
    assert critical_path(spans).names == ["b"]


def test_dependencies_on_later_or_missing_positions_are_ignored():
    spans = [span("a", 0, 10, 1, 7), span("b", 10, 20, 1)]
    path = critical_path(spans)
    assert path.ms == 10 and len(path.names) == 1


def test_no_spans_no_path_and_no_ratios():
    path = critical_path([])
    assert path.names == [] and path.ms == 0
    assert path.overhead_ratio(12.0) is None and path.parallel_ratio(12.0) is None


# -- the clock records what each span waited on ---------------------------------------------


def test_spans_of_one_flow_wait_on_the_one_before():
    clock = TurnClock()
    for name in ("a", "b", "c"):
        with clock.span(name):
            pass
    assert [s.after for s in clock.spans] == [[], [0], [1]]


def test_a_task_starts_after_its_starter_and_a_join_waits_on_it():
    async def run() -> TurnClock:
        clock = TurnClock()

        async def step(name: str) -> str:
            with clock.span(name):
                await asyncio.sleep(0)
            return name

        with clock.span("first"):
            pass
        side = clock.task(step("side"))
        unjoined = asyncio.create_task(step("unjoined"))  # not started on the clock
        with clock.span("main"):
            await asyncio.sleep(0.01)
        assert await clock.join(side) == "side"
        await unjoined
        with clock.span("last"):
            pass
        return clock

    clock = asyncio.run(run())
    at = {s.name: i for i, s in enumerate(clock.spans)}
    after = {s.name: {clock.spans[i].name for i in s.after} for s in clock.spans}
    assert after["side"] == {"first"} and after["main"] == {"first"}
    assert after["last"] == {"main", "side"}  # waited on both; not on the unjoined task
    assert all(j < at[s.name] for s in clock.spans for j in s.after)


def test_two_clocks_in_one_flow_keep_their_dependencies_apart():
    one, two = TurnClock(), TurnClock()
    with one.span("a"):
        pass
    with two.span("x"):
        pass
    with one.span("b"):
        pass
    assert one.spans[1].after == [0] and two.spans[0].after == []


# -- a whole turn: the timing event carries the figures ---------------------------------------


def test_an_offline_turn_reports_its_critical_path(assistant, conversation):
    result = asyncio.run(assistant.stream("krimiromaanid alla 20 euro", conversation).result())
    assert_protocol(result.events)
    timing = result.timing
    assert timing.critical_path and timing.critical_path_ms is not None
    assert timing.overhead_ratio is not None and timing.parallel_ratio is not None
    assert timing.span_sum_ms == pytest.approx(sum(s.duration_ms for s in timing.spans), abs=0.01)
    assert parse_event(timing.model_dump_json()) == timing


def test_an_old_timing_line_without_the_new_fields_still_parses():
    old = {"type": "timing", "ttfc_ms": 1.0, "total_ms": 2.0,
           "spans": [{"name": "a", "start_ms": 0, "end_ms": 1}]}
    event = parse_event(old)
    assert isinstance(event, TimingEvent) and event.spans[0].after == []
    assert event.critical_path_ms is None and event.critical_path == []


def _simulated(catalog) -> Assistant:
    offline = OfflineBackend()
    backend = SimulatedBackend(offline, "groq-llama3-8b", time_scale=0.1, seed=3)
    return Assistant(catalog, settings=AssistantSettings(persist_memory=False),
                     model_settings=ModelSettings(), selection=Selection(backend, offline, "test"))


def test_with_a_slow_model_parallel_overlaps_its_steps_and_sequential_does_not(catalog):
    """Structure, not speed: the two ratios are compared side by side in one run."""
    assistant = _simulated(catalog)
    timing: dict[str, TimingEvent] = {}
    for mode in ("sequential", "parallel"):
        result = asyncio.run(assistant.stream("krimiromaanid alla 20 euro", f"cp-{mode}",
                                              mode=mode).result())
        assert_protocol(result.events)
        assert result.timing is not None
        timing[mode] = result.timing
    sequential, parallel = timing["sequential"], timing["parallel"]
    assert sequential.parallel_ratio is not None and parallel.parallel_ratio is not None
    assert sequential.parallel_ratio > 0.9  # one step after another: nothing saved
    assert parallel.parallel_ratio < sequential.parallel_ratio  # steps ran side by side
    assert parallel.parallel_ratio < 1.0
    for event in (sequential, parallel):
        # The path is a chain: each span began after the one before it on the path ended.
        chain = critical_path(event.spans)
        for before, after in zip(chain.positions, chain.positions[1:], strict=False):
            assert event.spans[after].start_ms >= event.spans[before].end_ms
        assert event.critical_path_ms is not None
        assert event.critical_path_ms <= event.total_ms + 0.01
        assert event.overhead_ratio is not None and event.overhead_ratio >= 0.99
    assert "context" in sequential.critical_path  # everything waited on the model's context
