"""The state's tables and queries, written once for SQLite and PostgreSQL.

Both speak this SQL (upserts with ON CONFLICT included); only the parameter marker differs,
`?` here, turned into `%s` for psycopg. Product ids are kept as a JSON list in text.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, Protocol

from toolkit.state.store import StoredCall, TurnRecord

MAX_MESSAGE_CHARS = 2000  # kept of each message in the history

# Applied in order, once per store, each recorded by name in _migrations.
MIGRATIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("s001_conversations", (
        "CREATE TABLE IF NOT EXISTS conversations (conversation_id TEXT PRIMARY KEY, "
        "state TEXT NOT NULL, updated_at TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS conversation_turns (conversation_id TEXT NOT NULL, "
        "turn INTEGER NOT NULL, message TEXT NOT NULL, intent TEXT NOT NULL, "
        "decision TEXT NOT NULL, product_ids TEXT NOT NULL, created_at TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS conversation_turns_by_id "
        "ON conversation_turns (conversation_id, turn)",
    )),
    ("s002_model_calls", (
        "CREATE TABLE IF NOT EXISTS model_calls (key TEXT PRIMARY KEY, backend TEXT, "
        "model TEXT, task TEXT, text TEXT NOT NULL, prompt_tokens INTEGER, "
        "completion_tokens INTEGER, tokens_estimated INTEGER NOT NULL, created_at TEXT NOT NULL)",
    )),
)


class Cursor(Protocol):
    """What sqlite3's and psycopg's cursors have in common, as used here."""

    def execute(self, sql: Any, params: Sequence[Any] = ..., /) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class SQLState(ABC):
    """A state store over a SQL database; subclasses say how to open a transaction."""

    marker = "?"

    @property
    @abstractmethod
    def location(self) -> str: ...

    @abstractmethod
    def _transaction(self, *, write: bool) -> AbstractContextManager[Cursor]:
        """A cursor inside one transaction, committed on leaving, rolled back on an error."""

    @abstractmethod
    def close(self) -> None: ...

    def _sql(self, sql: str) -> str:
        return sql if self.marker == "?" else sql.replace("?", self.marker)

    def _run(self, cur: Cursor, sql: str, params: Sequence[Any] = ()) -> Cursor:
        cur.execute(self._sql(sql), params)
        return cur

    def _lock_migrations(self, cur: Cursor) -> None:  # noqa: B027 - optional: SQLite needs none
        """Keep two processes from applying the same migration at once (where needed)."""

    def _migrate(self) -> None:
        with self._transaction(write=True) as cur:
            self._lock_migrations(cur)
            self._run(cur, "CREATE TABLE IF NOT EXISTS _migrations "
                           "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
            done = {row[0] for row in self._run(cur, "SELECT name FROM _migrations").fetchall()}
            for name, statements in MIGRATIONS:
                if name in done:
                    continue
                for statement in statements:
                    self._run(cur, statement)
                self._run(cur, "INSERT INTO _migrations VALUES (?, ?)", [name, _now()])

    # -- conversations -----------------------------------------------------------------------

    def load_conversation(self, conversation_id: str) -> str | None:
        with self._transaction(write=False) as cur:
            row = self._run(cur, "SELECT state FROM conversations WHERE conversation_id = ?",
                            [conversation_id]).fetchone()
        return None if row is None else str(row[0])

    def save_turn(self, conversation_id: str, state_json: str, record: TurnRecord) -> None:
        now = _now()
        with self._transaction(write=True) as cur:
            self._run(cur, "INSERT INTO conversations VALUES (?, ?, ?) "
                           "ON CONFLICT (conversation_id) DO UPDATE "
                           "SET state = excluded.state, updated_at = excluded.updated_at",
                      [conversation_id, state_json, now])
            self._run(cur, "INSERT INTO conversation_turns VALUES (?, ?, ?, ?, ?, ?, ?)",
                      [conversation_id, record.turn, record.message[:MAX_MESSAGE_CHARS],
                       record.intent, record.decision, json.dumps(record.product_ids), now])

    def forget(self, conversation_id: str) -> None:
        with self._transaction(write=True) as cur:
            self._run(cur, "DELETE FROM conversations WHERE conversation_id = ?",
                      [conversation_id])
            self._run(cur, "DELETE FROM conversation_turns WHERE conversation_id = ?",
                      [conversation_id])

    def history(self, conversation_id: str) -> list[TurnRecord]:
        with self._transaction(write=False) as cur:
            rows = self._run(cur, "SELECT turn, message, intent, decision, product_ids "
                                  "FROM conversation_turns WHERE conversation_id = ? "
                                  "ORDER BY turn, created_at", [conversation_id]).fetchall()
        return [TurnRecord(turn, message, intent, decision, json.loads(ids))
                for turn, message, intent, decision, ids in rows]

    # -- model calls -------------------------------------------------------------------------

    def get_call(self, key: str) -> StoredCall | None:
        with self._transaction(write=False) as cur:
            row = self._run(cur, "SELECT text, prompt_tokens, completion_tokens, "
                                 "tokens_estimated, backend, model, task FROM model_calls "
                                 "WHERE key = ?", [key]).fetchone()
        if row is None:
            return None
        text, prompt, completion, estimated, backend, model, task = row
        return StoredCall(text, prompt, completion, bool(estimated), backend or "",
                          model or "", task or "")

    def put_call(self, key: str, call: StoredCall) -> None:
        with self._transaction(write=True) as cur:
            self._run(cur, "INSERT INTO model_calls VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                           "ON CONFLICT (key) DO UPDATE SET text = excluded.text, "
                           "prompt_tokens = excluded.prompt_tokens, "
                           "completion_tokens = excluded.completion_tokens, "
                           "tokens_estimated = excluded.tokens_estimated, "
                           "created_at = excluded.created_at",
                      [key, call.backend, call.model, call.task, call.text, call.prompt_tokens,
                       call.completion_tokens, int(call.tokens_estimated), _now()])

    def clear_calls(self) -> int:
        with self._transaction(write=True) as cur:
            count = int(self._run(cur, "SELECT count(*) FROM model_calls").fetchone()[0])
            self._run(cur, "DELETE FROM model_calls")
        return count


