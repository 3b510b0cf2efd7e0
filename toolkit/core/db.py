"""The DuckDB file the toolkit keeps its tables in, as the parts above core see it.

Each part that owns tables (the catalog, conversation memory, the model-call cache) declares
its schema as an ordered tuple of migrations and applies it through `Database.migrate`; a
migration runs once per file, in the order given, and is recorded by name in `_migrations`.
The parts are handed a `Database` (the catalog is one), never each other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Protocol

import duckdb

Migration = Callable[[duckdb.DuckDBPyConnection], None]


class Database(Protocol):
    """Something that hands out cursors on one DuckDB file and applies migrations to it."""

    def cursor(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]: ...

    def migrate(self, migrations: Sequence[Migration]) -> None: ...


def apply_migrations(con: duckdb.DuckDBPyConnection, migrations: Sequence[Migration]) -> None:
    """Run, in order, the migrations this file has not recorded yet; record each."""
    con.execute("CREATE TABLE IF NOT EXISTS _migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP)")
    done = {row[0] for row in con.execute("SELECT name FROM _migrations").fetchall()}
    for fn in migrations:
        if fn.__name__ not in done:
            fn(con)
            con.execute("INSERT INTO _migrations VALUES (?, now())", [fn.__name__])
