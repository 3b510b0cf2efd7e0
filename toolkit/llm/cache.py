"""A cache of model calls in the state store, so a notebook re-run is instant and repeatable.

The key is a hash of the backend, the model, the messages, the schema and the parameters; a hit
returns the stored text and token counts, and the call is recorded as `cached`.
"""

from __future__ import annotations

from toolkit.llm.base import CallRecord
from toolkit.state import StateStore, StoredCall


class CallCache:
    """Model calls kept in a state store (beside the catalog by default)."""

    def __init__(self, store: StateStore) -> None:
        self.store = store

    def get(self, key: str) -> StoredCall | None:
        return self.store.get_call(key)

    def put(self, key: str, text: str, record: CallRecord) -> None:
        self.store.put_call(key, StoredCall(
            text, record.prompt_tokens, record.completion_tokens, record.tokens_estimated,
            record.backend, record.model, record.task))

    def clear(self) -> int:
        return self.store.clear_calls()
