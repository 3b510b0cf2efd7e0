"""Crash safety: a real process killed with SIGKILL in the middle of a catalog import, of memory
writes or of cache writes leaves files that open, a catalog that is all old or all new, and
every turn it finished remembered. Each kind is killed at several moments."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from toolkit.core.settings import DEFAULT_CATALOG_FILE
from toolkit.shop.catalog import Catalog
from toolkit.shop.search import search_products
from toolkit.state import open_state, state_path_beside

MOMENTS = (0.05, 0.3, 0.7, 1.2)  # seconds after the child says it is working

IMPORTS = """
import sys
from toolkit.shop.catalog import Catalog
db, small, large = sys.argv[1:4]
with Catalog.open(db) as catalog:
    print("ready", flush=True)
    i = 0
    while True:
        catalog.import_file(small if i % 2 else large)
        print("imported", i, flush=True)
        i += 1
"""

TURNS = """
import sys
from toolkit.assistant import Assistant
messages = ["krimiromaanid", "näita veel", "midagi odavamat", "a board game for the family"]
with Assistant.open(sys.argv[1]) as assistant:
    print("ready", flush=True)
    i = 0
    while True:
        conversation = f"c{i % 4}"
        assistant.ask(messages[(i // 4) % len(messages)], conversation)
        print("done", conversation, flush=True)
        i += 1
"""

CACHE_WRITES = """
import sys
from toolkit.llm.base import CallRecord
from toolkit.llm.cache import CallCache
from toolkit.state import open_state
store = open_state(None, beside=sys.argv[1])
cache = CallCache(store)
record = CallRecord(task="answer", backend="simulated", model="m", simulated=True, started_ms=0)
print("ready", flush=True)
i = 0
while True:
    cache.put(f"key-{i}", "vastus " * 2000 + str(i), record)
    print("cached", i, flush=True)
    i += 1
"""


def kill_after(script: str, args: list[str], moment: float, tmp_path: Path) -> list[str]:
    """Run `script`, SIGKILL it `moment` seconds after it prints "ready"; its output lines."""
    out = tmp_path / f"out-{time.monotonic_ns()}.txt"
    with out.open("w") as sink:
        child = subprocess.Popen([sys.executable, "-c", script, *args], stdout=sink,
                                 stderr=subprocess.STDOUT, env={**os.environ})
        deadline = time.monotonic() + 60
        while "ready" not in out.read_text() and time.monotonic() < deadline:
            assert child.poll() is None, out.read_text()
            time.sleep(0.02)
        time.sleep(moment)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    return out.read_text().splitlines()


@pytest.fixture
def two_catalogs(tmp_path: Path) -> tuple[Path, Path, int, int]:
    table = pq.read_table(DEFAULT_CATALOG_FILE)
    small, large = tmp_path / "small.parquet", tmp_path / "large.parquet"
    pq.write_table(table.slice(0, 300), small)
    pq.write_table(table.slice(0, 900), large)
    return small, large, 300, 900


@pytest.mark.parametrize("moment", MOMENTS)
def test_killed_during_an_import_the_catalog_is_all_old_or_all_new(tmp_path, two_catalogs,
                                                                   moment):
    small, large, n_small, n_large = two_catalogs
    db = tmp_path / "shop.duckdb"
    with Catalog.open(db) as first:
        n_default = first.info()["products"]
    lines = kill_after(IMPORTS, [str(db), str(small), str(large)], moment, tmp_path)
    imported = [line for line in lines if line.startswith("imported")]
    with Catalog.open(db) as catalog:
        count = catalog.info()["products"]
        assert count in {n_default, n_small, n_large}, lines
        if imported:  # the last finished import, or the one after it, never a mixture
            assert count in {n_small, n_large}
        assert search_products(catalog, "raamat").products  # the index is whole too
    # Another import after the crash works, and clears what the killed one left half-built.
    with Catalog.open(db) as catalog:
        catalog.import_file(small)
        assert catalog.info()["products"] == n_small
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".building")]


@pytest.mark.parametrize("moment", MOMENTS)
def test_killed_during_memory_writes_every_finished_turn_is_remembered(fresh_catalog, tmp_path,
                                                                       moment):
    db = fresh_catalog.path
    lines = kill_after(TURNS, [str(db)], moment, tmp_path)
    finished: dict[str, int] = {}
    for line in lines:
        if line.startswith("done "):
            conversation = line.split()[1]
            finished[conversation] = finished.get(conversation, 0) + 1
    state_file = state_path_beside(db)
    with sqlite3.connect(state_file) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store = open_state(None, beside=db)
    try:
        for conversation in ("c0", "c1", "c2", "c3"):
            history = store.history(conversation)
            turns = [r.turn for r in history]
            done = finished.get(conversation, 0)
            # Every finished turn is there; at most the one in flight besides, whole or absent.
            assert done <= len(turns) <= done + 1, (conversation, turns, lines[-3:])
            assert turns == list(range(1, len(turns) + 1))
            saved = store.load_conversation(conversation)
            assert (json.loads(saved)["turns"] if saved else 0) == len(turns)
    finally:
        store.close()


@pytest.mark.parametrize("moment", MOMENTS)
def test_killed_during_cache_writes_the_cache_opens_with_every_finished_write(tmp_path, moment):
    db = tmp_path / "shop.duckdb"
    lines = kill_after(CACHE_WRITES, [str(db)], moment, tmp_path)
    written = [int(line.split()[1]) for line in lines if line.startswith("cached ")]
    with sqlite3.connect(state_path_beside(db)) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store = open_state(None, beside=db)
    try:
        for i in written:
            call = store.get_call(f"key-{i}")
            assert call is not None and call.text.endswith(str(i))
    finally:
        store.close()
