"""Running the async core from synchronous code (scripts, the CLI, a notebook without await).

`run_sync` uses `asyncio.run` when no loop is running; inside a running loop (a notebook cell,
an async web framework) it runs the coroutine on a worker thread with a loop of its own, so it
never needs nested event loops. `allow_nested_loops` applies nest-asyncio2 only when asked for.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
E = TypeVar("E")


async def events_of(produce: Callable[[Callable[[E], Awaitable[None]]], Coroutine[Any, Any, None]], *,
                    last: Callable[[E], bool], timeout_s: float | None = None) -> AsyncIterator[E]:
    """Run `produce(emit)` as a task and yield what it emits, up to and including the event
    `last` accepts. Raises TimeoutError when `timeout_s` passes first. The task is cancelled
    whenever the reader stops early, fails or times out."""
    queue: asyncio.Queue[E] = asyncio.Queue()
    task: asyncio.Task[None] = asyncio.create_task(produce(queue.put))
    loop = asyncio.get_running_loop()
    deadline = None if timeout_s is None else loop.time() + timeout_s
    try:
        while True:
            if deadline is None:
                event = await queue.get()
            else:
                # Not `wait_for`: on 3.11 it wraps the get in a task of its own, which a reader
                # closed meanwhile leaves pending until its loop has closed.
                async with asyncio.timeout_at(deadline):
                    event = await queue.get()
            yield event
            if last(event):
                return
    finally:
        if not task.done():
            task.cancel()


def run_sync(make: Callable[[], Awaitable[T]]) -> T:
    """Run the coroutine that `make()` returns to completion and return its result."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_await(make))
    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="toolkit-sync") as pool:
        return pool.submit(lambda: asyncio.run(_await(make))).result()


async def _await(make: Callable[[], Awaitable[T]]) -> T:
    return await make()


def allow_nested_loops() -> None:
    """Opt in to re-entrant event loops (nest-asyncio2). Never applied at import."""
    try:
        import nest_asyncio2 as nest_asyncio
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise RuntimeError("nested loops need the nest-asyncio2 package: pip install nest-asyncio2") from e
    nest_asyncio.apply()
