"""Shared state on PostgreSQL: replicas continue each other's conversations, and survive a
server restart mid-conversation. Each test module starts a throwaway server."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from postgres_server import PostgresServer, server_bin

from toolkit.assistant import Assistant
from toolkit.core.errors import StateError
from toolkit.state import TurnRecord, open_state
from toolkit.state.postgres import masked

ROOT = Path(__file__).resolve().parent.parent
BIN = server_bin()

pytestmark = pytest.mark.skipif(
    BIN is None, reason="no PostgreSQL server binaries under /usr/lib/postgresql: install "
                        "Debian's `postgresql` package (.ci/run does) to run these")


@pytest.fixture(scope="module")
def server():
    assert BIN is not None
    pg = PostgresServer(BIN)
    pg.start()
    yield pg
    pg.remove()


def chat(db: Path, state: str, message: str, conversation: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-m", "toolkit", "chat", message, "--db", str(db), "--state", state,
         "--conversation", conversation, "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    return [p["id"] for e in events if e["type"] == "products" for p in e["products"]]


def test_two_replicas_continue_one_conversation(server, tmp_path):
    # Two processes, each with its own copy of the catalog, one PostgreSQL between them.
    first = chat(tmp_path / "replica-a.duckdb", server.url, "krimiromaanid", "pg-shared")
    more = chat(tmp_path / "replica-b.duckdb", server.url, "näita veel", "pg-shared")
    assert first and more and not set(first) & set(more), "replica B repeated what A showed"
    store = open_state(server.url)
    try:
        history = store.history("pg-shared")
        assert [r.turn for r in history] == [1, 2]
        assert history[0].product_ids == first
    finally:
        store.close()


def test_a_conversation_survives_a_server_restart(server, tmp_path):
    with Assistant.open(tmp_path / "shop.duckdb", backend="offline", state=server.url) as shop:
        first = shop.ask("krimiromaanid", "pg-restart")
        server.restart()  # every pooled connection is now dead
        more = shop.ask("näita veel", "pg-restart")
    assert not more.errors, more.errors
    assert more.decision == "search" and more.products
    assert not {p.id for p in first.products} & {p.id for p in more.products}


def test_the_schema_is_applied_once_whoever_comes_first(server):
    stores = [open_state(server.url) for _ in range(3)]
    try:
        stores[0].save_turn("m", "{}", TurnRecord(1, "tere", "greeting", "conversational"))
        assert stores[2].load_conversation("m") == "{}"
    finally:
        for store in stores:
            store.close()


def test_an_unreachable_server_is_a_clear_error_within_the_timeout(server):
    started = time.monotonic()
    with pytest.raises(StateError, match="cannot reach the state database") as refused:
        open_state(f"postgresql://postgres:secret@127.0.0.1:{server.port + 1}/postgres")
    assert "secret" not in str(refused.value)
    assert time.monotonic() - started < 15


def test_a_password_never_shows_in_the_location():
    assert masked("postgresql://shop:hunter2@db:5432/shop") == "postgresql://shop:***@db:5432/shop"
    assert "hunter2" not in masked("postgresql://shop:hunter2@db/shop")
