"""A server with finite capacity: slots that queue in order, a throughput shared by the requests
in service, rates recomputed as they come and go, and slots freed by cancellation.

The tests run on an event loop whose clock is virtual: when nothing is ready it jumps to the
next timer instead of sleeping. Every wait is then exact and instant, so the figures asserted
here (4 calls on one slot take 4 calls' time) do not depend on the machine's load.
"""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import pytest

from toolkit.core.errors import SettingsError
from toolkit.core.settings import ModelSettings
from toolkit.llm import ModelRequest, OfflineBackend, ServerCapacity, SimulatedBackend
from toolkit.llm.base import Message, TextPart
from toolkit.llm.simulated import LatencyProfile

T = TypeVar("T")


class _JumpingSelector(selectors.DefaultSelector):
    def __init__(self, loop: VirtualClockLoop) -> None:
        super().__init__()
        self._loop = loop

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        events = super().select(0)
        if not events and timeout is None:
            raise RuntimeError("deadlock: nothing is scheduled and nothing can wake the loop")
        if not events and timeout > 0:
            self._loop.now += timeout  # the wait the real loop would have slept
        return events


class VirtualClockLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        self.now = 0.0
        super().__init__(_JumpingSelector(self))

    def time(self) -> float:
        return self.now


def run_virtual(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    loop = VirtualClockLoop()
    try:
        return loop.run_until_complete(main())
    finally:
        loop.close()


def now() -> float:
    return asyncio.get_running_loop().time()


async def request(server: ServerCapacity, work: float, finished: dict[str, float], name: str,
                  admitted: list[str] | None = None, stream_tps: float = 10.0) -> None:
    async with server.serve(stream_tps) as service:
        if admitted is not None:
            admitted.append(name)
        await service.work(work)
    finished[name] = now()


async def makespan(server: ServerCapacity, calls: int, work: float = 1.0) -> float:
    finished: dict[str, float] = {}
    await asyncio.gather(*(request(server, work, finished, str(i)) for i in range(calls)))
    return max(finished.values())


# --- slots and shared throughput -------------------------------------------------------------

def test_unlimited_server_runs_concurrent_calls_side_by_side_at_full_speed():
    assert run_virtual(lambda: makespan(ServerCapacity(), 4)) == pytest.approx(1.0)
    assert ServerCapacity().unlimited


def test_one_slot_serves_concurrent_calls_one_after_another():
    one = run_virtual(lambda: makespan(ServerCapacity(slots=1), 1))
    four = run_virtual(lambda: makespan(ServerCapacity(slots=1), 4))
    two_slots = run_virtual(lambda: makespan(ServerCapacity(slots=2), 4))
    assert four / one == pytest.approx(4.0)
    assert two_slots / one == pytest.approx(2.0)


def test_shared_throughput_slows_every_call_instead_of_queueing():
    async def main() -> dict[str, float]:
        server = ServerCapacity(throughput_tps=10.0)  # one stream's worth, shared by four
        finished: dict[str, float] = {}
        await asyncio.gather(*(request(server, 1.0, finished, str(i)) for i in range(4)))
        return finished

    finished = run_virtual(main)
    assert list(finished.values()) == pytest.approx([4.0] * 4)  # all together, each at 1/4


def test_a_call_never_runs_faster_than_it_would_alone():
    # Throughput for four streams, two requests: each at its single-stream rate, not twice it.
    assert run_virtual(lambda: makespan(ServerCapacity(throughput_tps=40.0), 2)) \
        == pytest.approx(1.0)
    # Two and a half streams' worth shared by five: each at half speed.
    assert run_virtual(lambda: makespan(ServerCapacity(throughput_tps=25.0), 5)) \
        == pytest.approx(2.0)


def test_rates_are_recomputed_as_calls_enter_and_leave_service():
    async def main() -> dict[str, float]:
        server = ServerCapacity(throughput_tps=10.0)
        finished: dict[str, float] = {}
        first = asyncio.create_task(request(server, 2.0, finished, "a"))
        await asyncio.sleep(1.0)  # a alone: 1 s of its 2 done at full speed
        await request(server, 0.5, finished, "b")  # both at half speed: b needs 1 s
        await first
        return finished

    finished = run_virtual(main)
    assert finished["b"] == pytest.approx(2.0)
    assert finished["a"] == pytest.approx(2.5)  # 0.5 s of work left at t=2, alone again


def test_slots_and_throughput_together():
    # Two slots sharing one stream's throughput: pairs at half speed, one pair after another.
    assert run_virtual(lambda: makespan(ServerCapacity(slots=2, throughput_tps=10.0), 4)) \
        == pytest.approx(4.0)


# --- queueing ----------------------------------------------------------------------------------

def test_queued_calls_are_served_in_order_of_arrival():
    async def main() -> list[str]:
        server = ServerCapacity(slots=1)
        admitted: list[str] = []
        finished: dict[str, float] = {}
        tasks = []
        for name in "abcdef":
            tasks.append(asyncio.create_task(request(server, 1.0, finished, name, admitted)))
            await asyncio.sleep(0.01)  # they arrive in this order
        assert server.in_service == 1 and server.queued == 5
        await asyncio.gather(*tasks)
        return admitted

    assert run_virtual(main) == list("abcdef")


def test_cancelling_a_queued_call_gives_its_place_to_the_next():
    async def main() -> tuple[list[str], dict[str, float], ServerCapacity]:
        server = ServerCapacity(slots=1)
        admitted: list[str] = []
        finished: dict[str, float] = {}
        holder = asyncio.create_task(request(server, 1.0, finished, "holder", admitted))
        await asyncio.sleep(0)
        queued = asyncio.create_task(request(server, 1.0, finished, "queued", admitted))
        after = asyncio.create_task(request(server, 1.0, finished, "after", admitted))
        await asyncio.sleep(0.5)
        queued.cancel()
        await asyncio.gather(holder, after, queued, return_exceptions=True)
        return admitted, finished, server

    admitted, finished, server = run_virtual(main)
    assert admitted == ["holder", "after"]
    assert finished["after"] == pytest.approx(2.0)
    assert server.in_service == 0 and server.queued == 0


def test_cancelling_a_running_call_frees_its_slot_at_once():
    async def main() -> tuple[dict[str, float], ServerCapacity]:
        server = ServerCapacity(slots=1)
        finished: dict[str, float] = {}
        holder = asyncio.create_task(request(server, 10.0, finished, "holder"))
        await asyncio.sleep(0)
        waiting = asyncio.create_task(request(server, 1.0, finished, "next"))
        await asyncio.sleep(1.0)
        holder.cancel()
        await asyncio.gather(holder, waiting, return_exceptions=True)
        # Nothing is left held: a new call is served at once.
        await request(server, 1.0, finished, "later")
        return finished, server

    finished, server = run_virtual(main)
    assert "holder" not in finished
    assert finished["next"] == pytest.approx(2.0)  # 1 s after the cancellation, not after 10 s
    assert finished["later"] == pytest.approx(3.0)
    assert server.in_service == 0 and server.queued == 0


def test_cancelling_a_running_call_gives_its_throughput_to_the_others():
    async def main() -> dict[str, float]:
        server = ServerCapacity(throughput_tps=10.0)
        finished: dict[str, float] = {}
        stays = asyncio.create_task(request(server, 1.0, finished, "stays"))
        leaves = asyncio.create_task(request(server, 5.0, finished, "leaves"))
        await asyncio.sleep(1.0)  # both at half speed: stays has 0.5 s of work left
        leaves.cancel()
        await asyncio.gather(stays, leaves, return_exceptions=True)
        return finished

    assert run_virtual(main)["stays"] == pytest.approx(1.5)


def test_a_slot_handed_to_a_call_cancelled_at_that_moment_passes_on():
    async def main() -> tuple[list[str], ServerCapacity]:
        server = ServerCapacity(slots=1)
        admitted: list[str] = []
        finished: dict[str, float] = {}
        holder = asyncio.create_task(request(server, 1.0, finished, "holder", admitted))
        await asyncio.sleep(0)
        unlucky = asyncio.create_task(request(server, 1.0, finished, "unlucky", admitted))
        last = asyncio.create_task(request(server, 1.0, finished, "last", admitted))
        await asyncio.sleep(0.999)
        # The holder finishes and hands its slot over; the heir is cancelled before it resumes.
        await asyncio.sleep(0.001)
        unlucky.cancel()
        await asyncio.gather(holder, unlucky, last, return_exceptions=True)
        return admitted, server

    admitted, server = run_virtual(main)
    assert "last" in admitted and server.in_service == 0 and server.queued == 0


@pytest.mark.parametrize("slots, throughput", [(0, None), (-1, None), (1.5, None), (None, 0.0),
                                               (None, -3.0)])
def test_impossible_capacities_are_refused(slots: Any, throughput: Any):
    with pytest.raises(ValueError):
        ServerCapacity(slots, throughput)


# --- the simulated backend on a finite server ---------------------------------------------------

STEADY = LatencyProfile("steady", ttft_s=0.5, tokens_per_s=20.0, jitter=0.0, min_tokens=100)


ECHO = ModelRequest(task="echo", messages=[Message(role="user", content="say something")])


def simulated(capacity: ServerCapacity) -> SimulatedBackend:
    offline = OfflineBackend()
    offline.register("echo", lambda request: "a few words of an answer " * 20)
    return SimulatedBackend(offline, STEADY, time_scale=0.01, capacity=capacity)


async def one_call(backend: SimulatedBackend) -> float:
    text = "".join([p.text async for p in backend.stream(ECHO) if isinstance(p, TextPart)])
    assert text.startswith("a few words")
    return now()


async def calls_at_once(capacity: ServerCapacity, n: int) -> float:
    backend = simulated(capacity)
    return max(await asyncio.gather(*(one_call(backend) for _ in range(n))))


def test_simulated_backend_on_one_slot_takes_four_calls_time_for_four_calls():
    alone = run_virtual(lambda: calls_at_once(ServerCapacity(slots=1), 1))
    unlimited = run_virtual(lambda: calls_at_once(ServerCapacity(), 4))
    one_slot = run_virtual(lambda: calls_at_once(ServerCapacity(slots=1), 4))
    shared = run_virtual(lambda: calls_at_once(ServerCapacity(throughput_tps=20.0), 4))
    assert unlimited / alone == pytest.approx(1.0, rel=0.01)
    assert one_slot / alone == pytest.approx(4.0, rel=0.01)
    assert shared / alone == pytest.approx(4.0, rel=0.01)


def test_simulated_backend_frees_its_slot_when_the_reader_stops_early():
    async def main() -> tuple[float, ServerCapacity]:
        capacity = ServerCapacity(slots=1)
        backend = simulated(capacity)
        stream = backend.stream(ECHO)
        async for _ in stream:
            break  # a client that gives up after the first token closes the stream
        await stream.aclose()  # type: ignore[attr-defined]
        assert capacity.in_service == 0
        started = now()
        await one_call(backend)  # served at once, not after the abandoned call's end
        return now() - started, capacity

    took, capacity = run_virtual(main)
    assert took == pytest.approx(run_virtual(lambda: calls_at_once(ServerCapacity(), 1)))
    assert capacity.in_service == 0


def test_default_simulated_backend_is_unlimited():
    assert SimulatedBackend(OfflineBackend(), STEADY).capacity.unlimited


# --- settings ------------------------------------------------------------------------------------

def test_capacity_settings_are_read_and_refused_when_impossible():
    settings = ModelSettings.from_env({"SIMULATED_SLOTS": "2", "SIMULATED_THROUGHPUT": "44"})
    assert (settings.simulated_slots, settings.simulated_throughput) == (2, 44.0)
    unset = ModelSettings.from_env({"SIMULATED_SLOTS": "", "SIMULATED_THROUGHPUT": " "})
    assert unset.simulated_slots is None and unset.simulated_throughput is None
    for bad in ({"SIMULATED_SLOTS": "0"}, {"SIMULATED_SLOTS": "two"},
                {"SIMULATED_THROUGHPUT": "-1"}):
        with pytest.raises(SettingsError, match="(?i)simulated_"):
            ModelSettings.from_env(bad)


def test_selected_simulated_backend_has_the_configured_capacity_and_says_so():
    from toolkit.llm import select_backend

    settings = ModelSettings(backend="simulated", simulated_profile="ollama-7b",
                             simulated_slots=2, simulated_throughput=44.0)
    selection = asyncio.run(select_backend("simulated", settings))
    backend = selection.backend
    assert isinstance(backend, SimulatedBackend)
    assert (backend.capacity.slots, backend.capacity.throughput_tps) == (2, 44.0)
    assert "2 slots, 44 tok/s shared" in selection.reason
    plain = asyncio.run(select_backend("simulated", ModelSettings(backend="simulated")))
    assert isinstance(plain.backend, SimulatedBackend) and plain.backend.capacity.unlimited
    assert "slot" not in plain.reason
