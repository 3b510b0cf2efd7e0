"""Shared state on PostgreSQL, so any number of app replicas continue each other's conversations.

psycopg 3 with its connection pool (`pip install -e ".[postgres]"`). The pool checks a
connection before lending it, so one dropped by a server restart is replaced; an operation that
loses its connection mid-way is retried (each is one transaction, whole or not at all).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

from toolkit.core.errors import StateError
from toolkit.state.sql import Cursor, SQLState
from toolkit.state.store import StoredCall, TurnRecord

T = TypeVar("T")

CONNECT_TIMEOUT_S = 5.0
RETRIES = 2  # after the first try, with a short pause: long enough for a restart's first accept
RETRY_PAUSE_S = 0.5
MIGRATION_LOCK = 7_263_001  # an advisory lock key of our own


def masked(url: str) -> str:
    """The URL with its password, if any, replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


class PostgresState(SQLState):
    marker = "%s"

    def __init__(self, url: str, *, max_connections: int = 8) -> None:
        try:
            import psycopg
            from psycopg_pool import ConnectionPool
        except ImportError as e:
            raise StateError("TOOLKIT_STATE_URL names PostgreSQL but psycopg is not installed: "
                             'pip install -e ".[postgres]"') from e
        self._errors: tuple[type[BaseException], ...] = (psycopg.OperationalError,
                                                         psycopg.InterfaceError)
        self._database_error: type[BaseException] = psycopg.Error
        self._url = url
        self._pool = ConnectionPool(
            url, min_size=1, max_size=max_connections, open=False, timeout=CONNECT_TIMEOUT_S,
            kwargs={"connect_timeout": int(CONNECT_TIMEOUT_S)},
            check=ConnectionPool.check_connection, name="toolkit-state")
        try:
            self._pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
            self._migrate()
        except Exception as e:
            self._pool.close()
            if isinstance(e, StateError):
                raise
            raise StateError(f"cannot reach the state database {self.location}: "
                             f"{_first_line(e)}") from e

    @property
    def location(self) -> str:
        return masked(self._url)

    def _lock_migrations(self, cur: Cursor) -> None:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", [MIGRATION_LOCK])

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Cursor]:
        # A generator context manager cannot re-run its body, so a retry happens here only
        # for the connection; `_retrying` re-runs whole operations.
        try:
            with self._pool.connection() as conn, conn.cursor() as cur:
                yield cur
        except self._database_error as e:
            raise StateError(f"the state database {self.location} failed: "
                             f"{_first_line(e)}") from e

    def _retrying(self, operation: Callable[[], T]) -> T:
        """Run one operation (one transaction), again after a lost connection."""
        for attempt in range(RETRIES + 1):
            try:
                return operation()
            except StateError as e:
                if not isinstance(e.__cause__, self._errors):
                    raise
                if attempt == RETRIES:
                    raise StateError(f"{e} (tried {RETRIES + 1} times)") from e.__cause__
                time.sleep(RETRY_PAUSE_S * (attempt + 1))
        raise AssertionError("unreachable")

    def load_conversation(self, conversation_id: str) -> str | None:
        return self._retrying(lambda: super(PostgresState, self).load_conversation(conversation_id))

    def save_turn(self, conversation_id: str, state_json: str, record: TurnRecord) -> None:
        self._retrying(lambda: super(PostgresState, self).save_turn(conversation_id, state_json,
                                                                   record))

    def forget(self, conversation_id: str) -> None:
        self._retrying(lambda: super(PostgresState, self).forget(conversation_id))

    def history(self, conversation_id: str) -> list[TurnRecord]:
        return self._retrying(lambda: super(PostgresState, self).history(conversation_id))

    def get_call(self, key: str) -> StoredCall | None:
        return self._retrying(lambda: super(PostgresState, self).get_call(key))

    def put_call(self, key: str, call: StoredCall) -> None:
        self._retrying(lambda: super(PostgresState, self).put_call(key, call))

    def clear_calls(self) -> int:
        return self._retrying(lambda: super(PostgresState, self).clear_calls())

    def close(self) -> None:
        self._pool.close()


def _first_line(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0]
