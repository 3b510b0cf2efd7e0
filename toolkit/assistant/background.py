"""Turns that outlive the code that started them: for faces that redraw rather than await.

Streamlit reruns its script on every click and key press, and a rerun stops the script where it
is. A turn streamed from inside the script would be cut off by a message sent while it streams
(two messages in a row, one reply). Here each turn runs on one background event loop for the
process and gathers its events in a `LiveTurn`; the script only reads what is gathered so far,
so a rerun loses nothing. Turns of one conversation still run one after another (the
assistant's turn gate orders them), so a message sent mid-stream is queued behind the answer
being written. A turn can be stopped; what it showed stays.

    runner = BackgroundTurns()
    live = runner.start(assistant, "krimiromaanid", "c1")
    live.wait_for(seen=0, timeout_s=0.05)    # True when events came or the turn ended
    live.events, live.state                  # read from any thread
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Literal

from toolkit.assistant.events import Event

if TYPE_CHECKING:
    from toolkit.assistant.assistant import Assistant
    from toolkit.assistant.turn import Mode, Turn

State = Literal["queued", "running", "done", "stopped", "failed"]


class LiveTurn:
    """One turn's events so far and its state, safe to read from other threads."""

    def __init__(self, message: str, conversation_id: str) -> None:
        self.message = message
        self.conversation_id = conversation_id
        self.state: State = "queued"
        self.error: BaseException | None = None
        self._events: list[Event] = []
        self._changed = threading.Condition()
        self._future: Future[None] | None = None

    @property
    def events(self) -> list[Event]:
        with self._changed:
            return list(self._events)

    @property
    def finished(self) -> bool:
        return self.state in ("done", "stopped", "failed")

    def wait_for(self, seen: int, timeout_s: float) -> bool:
        """Wait until there are more than `seen` events or the turn has ended, at most
        `timeout_s`; say whether either happened."""
        with self._changed:
            return self._changed.wait_for(
                lambda: len(self._events) > seen or self.finished, timeout=timeout_s)

    def stop(self) -> None:
        """Stop the turn; the events it sent stay. Safe from any thread, and more than once."""
        if self._future is not None and not self.finished:
            self._future.cancel()

    # -- written by the background loop only ----------------------------------------------

    def _add(self, event: Event) -> None:
        with self._changed:
            self.state = "running"
            self._events.append(event)
            self._changed.notify_all()

    def _end(self, state: State, error: BaseException | None = None) -> None:
        with self._changed:
            if not self.finished:
                self.state, self.error = state, error
            self._changed.notify_all()


class BackgroundTurns:
    """One event loop on a daemon thread, running every turn started through it."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="toolkit-turns",
                                        daemon=True)
        self._thread.start()

    def start(self, assistant: Assistant, message: str, conversation_id: str, *,
              mode: Mode | None = None) -> LiveTurn:
        """Start a turn of `assistant` now; return its `LiveTurn` at once."""
        live = LiveTurn(message, conversation_id)
        live._future = self.submit(lambda: _gather(live, assistant.stream(
            message, conversation_id, mode=mode)))
        live._future.add_done_callback(lambda f: live._end("stopped") if f.cancelled() else None)
        return live

    def submit(self, make: Callable[[], Coroutine[Any, Any, None]]) -> Future[None]:
        """Run the coroutine `make()` returns on the background loop. `make` is called there
        too, so whatever it does before its first await (opening the turn: the catalog check,
        the language) is off the caller's thread, which has a page to draw."""
        async def run() -> None:
            await make()
        return asyncio.run_coroutine_threadsafe(run(), self._loop)

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)


async def _gather(live: LiveTurn, turn: Turn) -> None:
    try:
        async for event in turn:
            live._add(event)
    except asyncio.CancelledError:
        live._end("stopped")
        raise
    except Exception as e:  # the turn's own errors arrive as events; this is anything else
        live._end("failed", e)
        return
    live._end("done")
