"""A model server's finite capacity: slots that queue, and a token throughput that is shared.

    server = ServerCapacity(slots=2, throughput_tps=44.0)     # ServerCapacity(): unlimited
    backend = SimulatedBackend(OfflineBackend(), "ollama-7b", capacity=server)

The simulated backend serves each call through one of these, so that concurrent calls cost what
they cost on a real server instead of running side by side at full speed. The model:

- **Slots.** At most `slots` requests are in service; the others wait in order of arrival. This
  is Ollama's `OLLAMA_NUM_PARALLEL` ("the maximum number of parallel requests each model will
  process at the same time"; later ones queue, up to `OLLAMA_MAX_QUEUE`, and "queued requests
  will be processed in order": Ollama's FAQ, "How does Ollama handle concurrent requests?").
- **Shared throughput.** The server produces at most `throughput_tps` tokens a second in all,
  split equally between the requests in service, and no request runs faster than it would alone:
  `rate = min(single-stream rate, throughput_tps / requests in service)`. Equal shares because a
  batched decoding step yields one token for every sequence in the batch; a ceiling because the
  slots of one Ollama runner share one GPU or CPU (one model loaded once, its weights read by
  every slot), so k requests at once each run slower, and a server whose aggregate rate does not
  grow with k (a CPU, a small GPU already busy) serves k requests at 1/k speed each. A rate
  limit such as Groq's tokens per minute is the same ceiling on a longer clock (Groq refuses
  past it with a 429 instead of slowing down; the client's retries turn that into waiting).
- **Prompt processing** (the time to first token) is slowed by the same share as decoding: one
  processor does both. A simplification: real prefill is compute-bound and batches differently,
  but our prompts are 50-140 tokens, so it is a small part of a call.
- **Consistent rates.** A wait in progress is work, in seconds at full single-stream speed.
  Whenever a request enters or leaves service the shares are recomputed, and each wait keeps
  the work it has done and finishes the rest at its new rate.

What follows for a parallel workload: past `min(slots, throughput / single-stream rate)`
requests at once, more concurrency buys nothing; the extra requests queue (their first token
comes late) or share the throughput (every call takes longer), and either can reach a client's
first-token or overall timeout. `benchmarks/syllabus_latency.py` measures it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

__all__ = ["ServerCapacity", "Service"]


class Service:
    """One request in service: it holds a slot and gets its share of the throughput."""

    def __init__(self, server: ServerCapacity, stream_tps: float) -> None:
        self._server = server
        self.stream_tps = stream_tps
        self.speed = 1.0  # its rate as a share of its single-stream rate
        self._remaining = 0.0  # seconds of work at full speed left in the wait in progress
        self._since = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._done: asyncio.Future[None] | None = None

    async def work(self, seconds: float) -> None:
        """Wait for `seconds` of work at full single-stream speed, at this request's share."""
        if self._server.throughput_tps is None or seconds <= 0:
            await asyncio.sleep(max(0.0, seconds))
            return
        loop = asyncio.get_running_loop()
        self._remaining, self._since = seconds, loop.time()
        self._done = loop.create_future()
        self._schedule()
        try:
            await self._done
        finally:  # finished or cancelled: nothing may fire later
            if self._timer is not None:
                self._timer.cancel()
            self._timer = self._done = None

    def _set_speed(self, speed: float) -> None:
        if self._done is None or self._done.done():
            self.speed = speed
            return
        now = asyncio.get_running_loop().time()
        self._remaining = max(0.0, self._remaining - (now - self._since) * self.speed)
        self._since, self.speed = now, speed
        self._schedule()

    def _schedule(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_later(self._remaining / self.speed,
                                                            self._finish)

    def _finish(self) -> None:
        if self._done is not None and not self._done.done():
            self._done.set_result(None)


class ServerCapacity:
    """A server's slots and shared token throughput; `None` for either is unlimited.

    One object stands for one server: every backend (or call) that shares it competes for it.
    It belongs to the event loop it is first used on, like any asyncio primitive."""

    def __init__(self, slots: int | None = None, throughput_tps: float | None = None) -> None:
        if slots is not None and (not isinstance(slots, int) or slots < 1):
            raise ValueError(f"slots must be a whole number of 1 or more, or None, not {slots!r}")
        if throughput_tps is not None and not throughput_tps > 0:
            raise ValueError(f"throughput_tps must be above 0, or None, not {throughput_tps!r}")
        self.slots = slots
        self.throughput_tps = throughput_tps
        self._serving: list[Service] = []
        self._held = 0  # slots taken, counting one handed to a queued request not yet resumed
        self._queue: deque[asyncio.Future[None]] = deque()

    def __repr__(self) -> str:
        return f"ServerCapacity(slots={self.slots}, throughput_tps={self.throughput_tps})"

    @property
    def unlimited(self) -> bool:
        return self.slots is None and self.throughput_tps is None

    @property
    def in_service(self) -> int:
        return len(self._serving)

    @property
    def queued(self) -> int:
        return sum(1 for waiter in self._queue if not waiter.done())

    def describe(self) -> str:
        """For labels: "2 slots, 44 tok/s shared", "unlimited"."""
        if self.unlimited:
            return "unlimited capacity"
        slots = "unlimited slots" if self.slots is None else \
            f"{self.slots} slot{'s' if self.slots != 1 else ''}"
        shared = "" if self.throughput_tps is None else f", {self.throughput_tps:g} tok/s shared"
        return slots + shared

    @asynccontextmanager
    async def serve(self, stream_tps: float) -> AsyncIterator[Service]:
        """Hold a slot (waiting in line for one) for a request whose single-stream rate is
        `stream_tps` tokens a second; the slot is freed on exit, cancellation included."""
        if not stream_tps > 0:
            raise ValueError(f"stream_tps must be above 0, not {stream_tps!r}")
        await self._take_slot()
        service = Service(self, stream_tps)
        self._serving.append(service)
        self._share()
        try:
            yield service
        finally:
            self._serving.remove(service)
            self._give_slot()
            self._share()

    async def _take_slot(self) -> None:
        if self.slots is None or (self._held < self.slots and not self._queue):
            self._held += 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._queue.append(waiter)
        try:
            await waiter  # resolved by `_give_slot`, which hands its slot over
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._give_slot()  # handed a slot as it was cancelled: the next in line gets it
            elif waiter in self._queue:  # (`_give_slot` may have dropped it already)
                self._queue.remove(waiter)
            raise

    def _give_slot(self) -> None:
        while self._queue:
            waiter = self._queue.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot passes to the longest waiting: FIFO
                return
        self._held -= 1

    def _share(self) -> None:
        if self.throughput_tps is None or not self._serving:
            return
        share = self.throughput_tps / len(self._serving)
        for service in self._serving:
            service._set_speed(min(1.0, share / service.stream_tps))
