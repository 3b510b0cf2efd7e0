"""The offline backend: rules and templates behind the model protocol.

Each task a component can ask a model for ("gift_context", "answer", "syllabus_outline", ...)
has an offline handler that computes the answer without a model; components register theirs.
It streams the answer a few words at a time, like a model would, and reports no token counts
(they are estimated and marked so). Wrapped in `SimulatedBackend` it gives a model's timing
shape with the offline answers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from toolkit.core.errors import ModelUnavailable
from toolkit.llm.base import ModelRequest, StreamPart, TextPart

Handler = Callable[[ModelRequest], str]


def word_chunks(text: str, size: int = 3) -> list[str]:
    """The text as deltas of `size` words each; joined, they give the text back."""
    words = text.split(" ")
    return [" ".join(words[i:i + size]) + (" " if i + size < len(words) else "")
            for i in range(0, len(words), size)]


class OfflineBackend:
    name = "offline"
    model = "rules"
    simulated = False

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}

    def __repr__(self) -> str:
        return f"OfflineBackend(tasks={sorted(self._handlers)})"

    def register(self, task: str, handler: Handler) -> None:
        self._handlers[task] = handler

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamPart]:
        handler = self._handlers.get(request.task)
        if handler is None:
            raise ModelUnavailable(f"the offline backend has no handler for the task {request.task!r}")
        for chunk in word_chunks(handler(request)):
            yield TextPart(chunk)
