"""Where conversations and model calls are kept between turns, apart from the catalog.

The catalog is read-mostly and replaced whole by an import; the state is small writes from
every turn. They live apart so that any number of processes can read one catalog while they
write their state:

    local SQLite file (default)   beside the catalog: `shop.duckdb` -> `shop.state.sqlite`
    PostgreSQL                    TOOLKIT_STATE_URL=postgresql://...  (`--state URL`)
    in the process                PHASE5_CONTEXT_ENABLE=false, or a catalog in memory

    store = open_state(None, beside=catalog_path)        # or a URL
"""

from __future__ import annotations

from pathlib import Path

from toolkit.core.errors import StateError
from toolkit.state.store import InProcessState, StateStore, StoredCall, TurnRecord

__all__ = ["InProcessState", "StateStore", "StoredCall", "TurnRecord", "open_state",
           "state_path_beside"]


def state_path_beside(catalog_path: Path | str) -> Path:
    """The default state file of a catalog file: the same name, `.state.sqlite` for `.duckdb`."""
    path = Path(catalog_path)
    return path.with_name(f"{path.stem}.state.sqlite")


def open_state(url: str | None, *, beside: Path | str | None = None) -> StateStore:
    """The state store a URL names: `postgresql://…`, `sqlite:///path`, `memory:`, or, for
    None or "", the SQLite file beside the catalog at `beside` (in the process if that is
    None or ":memory:")."""
    url = (url or "").strip()
    if url.startswith(("postgresql://", "postgres://")):
        from toolkit.state.postgres import PostgresState

        return PostgresState(url)
    if url.startswith("sqlite:///"):
        from toolkit.state.sqlite import SQLiteState

        return SQLiteState(Path(url.removeprefix("sqlite:///")).expanduser())
    if url in ("memory:", "memory"):
        return InProcessState()
    if url:
        raise StateError(
            f"TOOLKIT_STATE_URL: cannot use {url.split('://')[0]!r}: give postgresql://…, "
            "sqlite:///path or memory:")
    if beside is None or str(beside) == ":memory:":
        return InProcessState()
    from toolkit.state.sqlite import SQLiteState

    return SQLiteState(state_path_beside(beside))
