"""Schema migrations for a DuckDB file (the catalog's): ordered, each applied once per file.

A migration runs once per file, in the order given, and is recorded by name in `_migrations`.
The state store (`toolkit.state`) keeps its own, in the same way, for SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import duckdb

Migration = Callable[[duckdb.DuckDBPyConnection], None]


def apply_migrations(con: duckdb.DuckDBPyConnection, migrations: Sequence[Migration]) -> None:
    """Run, in order, the migrations this file has not recorded yet; record each."""
    con.execute("CREATE TABLE IF NOT EXISTS _migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP)")
    done = {row[0] for row in con.execute("SELECT name FROM _migrations").fetchall()}
    for fn in migrations:
        if fn.__name__ not in done:
            fn(con)
            con.execute("INSERT INTO _migrations VALUES (?, now())", [fn.__name__])
