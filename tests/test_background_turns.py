"""Turns on a background loop, read from another thread, as the Streamlit app runs them."""

from __future__ import annotations

import time

import pytest

from toolkit.assistant import Assistant
from toolkit.assistant.background import BackgroundTurns, LiveTurn
from toolkit.llm import OfflineBackend, Selection, SimulatedBackend


def slow_assistant(catalog, scale: float) -> Assistant:
    """An 8B model's pace (simulated), `scale` of real time."""
    offline = OfflineBackend()
    backend = SimulatedBackend(offline, "groq-llama3-8b", time_scale=scale, seed=1)
    return Assistant(catalog, selection=Selection(backend, offline, "test"))


@pytest.fixture(scope="module")
def runner():
    turns = BackgroundTurns()
    yield turns
    turns.close()


def finish(live: LiveTurn, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not live.finished and time.monotonic() < deadline:
        live.wait_for(len(live.events), 0.1)
    assert live.finished, f"the turn did not end within {timeout_s} s"


def test_a_turn_runs_to_done_and_its_events_are_read_from_another_thread(catalog, runner,
                                                                         conversation):
    assistant = Assistant(catalog)
    live = runner.start(assistant, "krimiromaanid alla 20 euro", conversation)
    finish(live)
    kinds = [e.type for e in live.events]
    assert live.state == "done" and kinds[0] == "intent" and kinds[-1] == "done"
    assert "products" in kinds and live.error is None


def test_a_second_message_waits_for_the_first_and_both_get_their_reply(catalog, runner,
                                                                       conversation):
    """The app's mid-stream message: started while the first still streams, it is queued
    behind it (the conversation's turns go in order) and neither reply is lost."""
    slow = slow_assistant(catalog, 0.2)
    first = runner.start(slow, "krimiromaanid", conversation)
    assert first.wait_for(0, 10)  # it has started streaming
    second = runner.start(slow, "näita veel", conversation)
    finish(first)
    finish(second)
    assert first.state == second.state == "done"
    first_ids = {p.id for e in first.events if e.type == "products" for p in e.products}
    second_ids = {p.id for e in second.events if e.type == "products" for p in e.products}
    assert first_ids and second_ids and not first_ids & second_ids  # "show more": new ones


def test_a_stopped_turn_keeps_what_it_showed_and_frees_the_conversation(catalog, runner,
                                                                        conversation):
    slow = slow_assistant(catalog, 1.0)
    live = runner.start(slow, "kingitus emale", conversation)
    assert live.wait_for(0, 10)
    shown = len(live.events)
    live.stop()
    finish(live, 5)
    assert live.state == "stopped" and len(live.events) >= shown
    assert all(e.type != "done" for e in live.events)
    live.stop()  # twice is harmless
    after = runner.start(Assistant(catalog), "lauamängud", conversation)
    finish(after)  # the stopped turn let the conversation's next turn in
    assert after.state == "done"
