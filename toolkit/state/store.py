"""What a state store keeps and the operations on it, whatever holds it.

Each operation is one short transaction, so a turn's memory is written whole or not at all
(the conversation's state and its history row together) and no reader waits long on a writer.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class TurnRecord:
    """One turn in a conversation's history."""

    turn: int
    message: str
    intent: str
    decision: str
    product_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StoredCall:
    """A model call's output and token counts, kept under a hash of its inputs."""

    text: str
    prompt_tokens: int | None
    completion_tokens: int | None
    tokens_estimated: bool
    backend: str = ""
    model: str = ""
    task: str = ""


class StateStore(Protocol):
    """Conversation memory and the model-call cache. Safe to share across threads."""

    @property
    def location(self) -> str:
        """Where the state lives, fit to show (a URL's password masked)."""
        ...

    def load_conversation(self, conversation_id: str) -> str | None:
        """The conversation's saved state (JSON), or None for a new conversation."""
        ...

    def save_turn(self, conversation_id: str, state_json: str, record: TurnRecord) -> None:
        """The conversation's new state and its turn's history row, in one transaction."""
        ...

    def forget(self, conversation_id: str) -> None: ...

    def history(self, conversation_id: str) -> list[TurnRecord]: ...

    def get_call(self, key: str) -> StoredCall | None: ...

    def put_call(self, key: str, call: StoredCall) -> None: ...

    def clear_calls(self) -> int:
        """Drop every cached call; return how many there were."""
        ...

    def close(self) -> None: ...


class InProcessState:
    """State that lives as long as the process (PHASE5_CONTEXT_ENABLE=false, tests, demos)."""

    location = "memory: (this process only)"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[str, str] = {}
        self._history: dict[str, list[TurnRecord]] = {}
        self._calls: dict[str, StoredCall] = {}

    def load_conversation(self, conversation_id: str) -> str | None:
        return self._states.get(conversation_id)

    def save_turn(self, conversation_id: str, state_json: str, record: TurnRecord) -> None:
        with self._lock:
            self._states[conversation_id] = state_json
            self._history.setdefault(conversation_id, []).append(record)

    def forget(self, conversation_id: str) -> None:
        with self._lock:
            self._states.pop(conversation_id, None)
            self._history.pop(conversation_id, None)

    def history(self, conversation_id: str) -> list[TurnRecord]:
        return sorted(self._history.get(conversation_id, []), key=lambda r: r.turn)

    def get_call(self, key: str) -> StoredCall | None:
        return self._calls.get(key)

    def put_call(self, key: str, call: StoredCall) -> None:
        self._calls[key] = call

    def clear_calls(self) -> int:
        with self._lock:
            count = len(self._calls)
            self._calls.clear()
        return count

    def close(self) -> None:
        pass
