"""Checks of the event protocol that every turn must pass (DESIGN.md, 'The event protocol')."""

from __future__ import annotations

from toolkit.assistant.events import USER_VISIBLE, parse_event


def assert_protocol(events: list) -> None:
    types = [e.type for e in events]
    assert types.count("intent") == 1, types
    assert types.count("done") == 1 and types[-1] == "done", types
    assert types.count("timing") == 1 and types[-2] == "timing", types
    intent = next(e for e in events if e.type == "intent")
    decision = intent.decision
    if "skeleton" in types:
        # A skeleton sent on the fast path's word may be revised by the model's routing; the
        # intent then says so, and no products follow.
        assert decision == "search" or intent.revised_from == "search", types
        if "products" in types:
            assert types.index("skeleton") < types.index("products"), types
    if decision != "search":
        assert "products" not in types, types
        assert "skeleton" not in types or intent.revised_from == "search", types
    timing = events[-2]
    assert timing.total_ms >= 0 and all(s.end_ms >= s.start_ms for s in timing.spans)
    if any(t in USER_VISIBLE for t in types):
        assert timing.ttfc_ms is not None and 0 <= timing.ttfc_ms <= timing.total_ms
    for event in events:  # every event survives its own JSON line
        assert parse_event(event.model_dump_json()) == event
