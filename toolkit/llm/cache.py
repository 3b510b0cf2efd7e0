"""A cache of model calls in DuckDB, so a notebook re-run is instant and repeatable.

The key is a hash of the backend, the model, the messages, the schema and the parameters; a hit
returns the stored text and token counts, and the call is recorded as `cached`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from toolkit.core.db import Database, Migration
from toolkit.llm.base import CallRecord


def m003_model_calls(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE IF NOT EXISTS model_calls (key VARCHAR PRIMARY KEY, backend VARCHAR, "
        "model VARCHAR, task VARCHAR, text VARCHAR, prompt_tokens INTEGER, "
        "completion_tokens INTEGER, tokens_estimated BOOLEAN, created_at TIMESTAMP)"
    )


@dataclass(frozen=True)
class CachedCall:
    text: str
    prompt_tokens: int | None
    completion_tokens: int | None
    tokens_estimated: bool


CACHE_MIGRATIONS: tuple[Migration, ...] = (m003_model_calls,)


class CallCache:
    """Model calls kept in a `Database` (the catalog's file by default)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        db.migrate(CACHE_MIGRATIONS)

    def get(self, key: str) -> CachedCall | None:
        with self.db.cursor() as cur:
            row = cur.execute(
                "SELECT text, prompt_tokens, completion_tokens, tokens_estimated FROM model_calls "
                "WHERE key = ?", [key]).fetchone()
        return CachedCall(*row) if row else None

    def put(self, key: str, text: str, record: CallRecord) -> None:
        with self.db.cursor() as cur:
            cur.execute(
                "INSERT OR REPLACE INTO model_calls VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [key, record.backend, record.model, record.task, text, record.prompt_tokens,
                 record.completion_tokens, record.tokens_estimated,
                 datetime.now(UTC).replace(tzinfo=None)])

    def clear(self) -> int:
        with self.db.cursor() as cur:
            count: int = cur.execute("SELECT count(*) FROM model_calls").fetchall()[0][0]
            cur.execute("DELETE FROM model_calls")
        return count
