"""The default state store: one SQLite file beside the catalog, shared by every process.

SQLite in WAL mode lets readers go on while one process writes; a write waits up to
`LOCK_WAIT_S` for another's to finish (each is one short transaction), then fails with a clear
message. `synchronous=NORMAL` keeps every committed turn across a crash of the process; a power
cut may lose the last ones, never corrupt the file.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from toolkit.core.errors import StateError
from toolkit.state.sql import Cursor, SQLState

LOCK_WAIT_S = 5.0


class SQLiteState(SQLState):
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._con = sqlite3.connect(self.path, timeout=LOCK_WAIT_S, isolation_level=None,
                                        check_same_thread=False)
        except (OSError, sqlite3.Error) as e:
            raise StateError(self._cannot_open(e)) from e
        self._lock = threading.Lock()
        try:
            # SQLite opens lazily: a damaged file or a folder it cannot write in shows here.
            self._con.execute("PRAGMA journal_mode=WAL")
            self._con.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except sqlite3.Error as e:
            self._con.close()
            raise StateError(self._cannot_open(e)) from e
        except StateError:
            self._con.close()
            raise

    def _cannot_open(self, error: BaseException) -> str:
        """Why the file cannot be used, said by what is at its path: SQLite's own words
        ("unable to open database file") do not tell a folder from a read-only place."""
        folder = self.path.parent
        if self.path.is_dir():
            why = "it is a folder"
        elif folder.is_dir() and not os.access(folder, os.W_OK):
            # Also for an existing file: WAL mode keeps its journal files beside it.
            why = f"the folder {folder} is not writable"
        elif isinstance(error, sqlite3.DatabaseError) and "not a database" in str(error):
            why = "it is not a SQLite database (damaged, or another kind of file): move it away"
        else:
            why = _reason(error)
        return (f"cannot open the state file {self.path}: {why}. Give a writable place with "
                "TOOLKIT_STATE_URL=sqlite:///path (or --state).")

    @property
    def location(self) -> str:
        return f"sqlite:///{self.path}"

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Cursor]:
        with self._lock:
            try:
                cur = self._con.cursor()
                # IMMEDIATE takes the write lock at the start, so two writers queue instead
                # of failing half-way; a read needs no lock in WAL mode.
                cur.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            except sqlite3.Error as e:
                raise StateError(self._message(e)) from e
            try:
                yield cur
                cur.execute("COMMIT")
            except BaseException as e:
                cur.execute("ROLLBACK")
                if isinstance(e, sqlite3.Error):
                    raise StateError(self._message(e)) from e
                raise
            finally:
                cur.close()

    def _message(self, e: sqlite3.Error) -> str:
        if "locked" in str(e) or "busy" in str(e):
            return (f"the state file {self.path} stayed locked by another process for over "
                    f"{LOCK_WAIT_S:.0f} s; try again")
        return f"the state file {self.path} cannot be used: {_reason(e)}"

    def close(self) -> None:
        with self._lock:
            self._con.close()


def _reason(e: BaseException) -> str:
    if isinstance(e, OSError) and e.strerror:
        return e.strerror.lower()
    return str(e)
