"""Which turns run, and when: a bound on the turns in flight, one turn at a time per
conversation, and conversation ids kept exactly as given.

One assistant serves many conversations at once: as asyncio tasks on one loop, and from several
threads with loops of their own (Streamlit runs each browser session on a thread). So the gate
is thread-safe and loop-agnostic: a turn waiting for an earlier turn of its conversation waits
on a future of its own loop, and the turn before it hands over with `call_soon_threadsafe`.

- Past `max_in_flight` turns a new turn is refused at once ("busy"), so the admitted ones finish
  within their budget instead of every turn slowing down together.
- Turns of one conversation run in arrival order: two "show more" sent at once get different
  products. A turn hands its conversation on only when its memory write has finished, even if
  the turn itself was cut short by its timeout.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import unicodedata
from collections import deque
from collections.abc import Iterable

from toolkit.core.errors import ConversationIdError

MAX_CONVERSATION_ID = 200  # characters kept as they are; a longer id is stored as its hash


def conversation_key(conversation_id: object) -> str:
    """The id under which a conversation's memory is kept: the id itself, exactly; a long one
    as a hash of all of it (two ids that differ after 200 characters stay two conversations)."""
    if not isinstance(conversation_id, str):
        raise ConversationIdError(
            f"a conversation id must be text, not {type(conversation_id).__name__}")
    if not conversation_id.strip():
        raise ConversationIdError("the conversation id is empty: give each conversation its own id")
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in conversation_id):
        raise ConversationIdError("the conversation id contains control characters or invalid "
                                  "text: use printable characters")
    if len(conversation_id) <= MAX_CONVERSATION_ID:
        return conversation_id
    digest = hashlib.sha256(conversation_id.encode("utf-8")).hexdigest()
    return f"{conversation_id[:100]}…sha256:{digest}"


_Waiter = tuple[asyncio.AbstractEventLoop, "asyncio.Future[None]"]


class TurnGate:
    """Admission (turns in flight) and ordering (one turn per conversation) for one assistant."""

    def __init__(self, max_in_flight: int) -> None:
        self.max_in_flight = max_in_flight
        self._mutex = threading.Lock()
        self._in_flight = 0
        # Per conversation: the turn holding it (None) or a waiter, first; then the waiters.
        self._queues: dict[str, deque[_Waiter | None]] = {}

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def admit(self) -> bool:
        """Count a turn in, or refuse it (False) when the assistant is full."""
        with self._mutex:
            if self._in_flight >= self.max_in_flight:
                return False
            self._in_flight += 1
            return True

    def leave(self) -> None:
        with self._mutex:
            self._in_flight -= 1

    async def acquire(self, key: str) -> None:
        """Wait until every earlier turn of conversation `key` has finished."""
        loop = asyncio.get_running_loop()
        with self._mutex:
            queue = self._queues.setdefault(key, deque())
            if not queue:
                queue.append(None)
                return
            waiter: _Waiter = (loop, loop.create_future())
            queue.append(waiter)
        try:
            await waiter[1]
        except asyncio.CancelledError:
            with self._mutex:
                granted = queue[0] is waiter
                if not granted:
                    queue.remove(waiter)
            # Granted and then cancelled: hand on. Granted but not yet told: `_grant` sees the
            # cancelled future and hands on itself.
            if granted and waiter[1].done() and not waiter[1].cancelled():
                self.release(key)
            raise

    def release(self, key: str) -> None:
        """The turn holding `key` is done: the next one waiting (on any loop) goes."""
        with self._mutex:
            queue = self._queues[key]
            queue.popleft()
            if not queue:
                del self._queues[key]
                return
            waiter = queue[0]
        assert waiter is not None  # only the holder is None, and it was first
        loop, future = waiter
        try:
            loop.call_soon_threadsafe(self._grant, key, future)
        except RuntimeError:  # that loop has closed: its turn will never run
            self.release(key)

    def _grant(self, key: str, future: asyncio.Future[None]) -> None:
        if future.done():  # cancelled while waiting: the next one goes
            self.release(key)
        else:
            future.set_result(None)

    def release_after(self, key: str, writes: Iterable[asyncio.Future[None]]) -> None:
        """Release `key` once `writes` (a turn's memory writes still running) have finished."""
        pending = [w for w in writes if not w.done()]
        if not pending:
            return self.release(key)
        left = len(pending)

        def one_done(_: object) -> None:
            nonlocal left
            left -= 1
            if left == 0:
                self.release(key)

        for write in pending:
            write.add_done_callback(one_done)
