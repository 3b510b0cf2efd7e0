import pytest
from pydantic import ValidationError

from toolkit.assistant.events import DoneEvent, SkeletonEvent, TextEvent, TimingEvent, parse_event
from toolkit.core.timing import Span, TurnClock


def test_events_parse_from_json_lines_by_type():
    assert parse_event('{"type": "text", "delta": "Tere"}') == TextEvent(delta="Tere")
    assert parse_event({"type": "skeleton", "count": 3}) == SkeletonEvent(count=3)
    assert isinstance(parse_event('{"type": "done"}'), DoneEvent)
    with pytest.raises(ValidationError):
        parse_event('{"type": "mystery"}')


def test_events_are_frozen():
    with pytest.raises(ValidationError):
        TextEvent(delta="a").delta = "b"


def test_clock_measures_spans_and_ttfc_once():
    clock = TurnClock()
    with clock.span("work"):
        pass
    clock.visible()
    first = clock.first_visible_ms
    clock.visible()
    assert clock.first_visible_ms == first and clock.spans[0].name == "work"
    assert clock.duration("work") >= 0 and clock.duration("missing") is None


def test_timing_event_requires_its_fields():
    timing = TimingEvent(ttfc_ms=1.0, total_ms=2.0, spans=[Span(name="a", start_ms=0, end_ms=1)])
    assert parse_event(timing.model_dump_json()) == timing
    with pytest.raises(ValidationError):
        TimingEvent(total_ms=1.0, spans=[])
