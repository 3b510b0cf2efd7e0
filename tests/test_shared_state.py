"""Many processes, one shop: the catalog is read by all and replaced whole by an import; the
conversations live in a state store every process writes (SQLite beside the catalog here)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from toolkit.assistant import Assistant
from toolkit.core.errors import StateError
from toolkit.core.settings import AssistantSettings
from toolkit.shop.catalog import Catalog
from toolkit.state import open_state, state_path_beside

ROOT = Path(__file__).resolve().parent.parent

# A process that holds an assistant open and runs the turns it is sent, one JSON line each.
HOLDER = """
import json, sys
from toolkit.assistant import Assistant
with Assistant.open(sys.argv[1], backend="offline") as assistant:
    print("ready", flush=True)
    for line in sys.stdin:
        conversation, message = json.loads(line)
        result = assistant.ask(message, conversation)
        print(json.dumps({"decision": result.decision, "ids": [p.id for p in result.products]}), flush=True)
"""


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "toolkit", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def chat_ids(db: Path, message: str, conversation: str) -> list[str]:
    done = cli("chat", message, "--db", str(db), "--conversation", conversation, "--json")
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    return [p["id"] for e in events if e["type"] == "products" for p in e["products"]]


class Holder:
    def __init__(self, db: Path) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", HOLDER, str(db)], cwd=ROOT,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
        assert self.read() == "ready"

    def read(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if not line:
            raise AssertionError(self.process.stderr.read() if self.process.stderr else "")
        return line

    def turn(self, conversation: str, message: str) -> dict[str, object]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps([conversation, message]) + "\n")
        self.process.stdin.flush()
        reply: dict[str, object] = json.loads(self.read())
        return reply

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=30)


def test_the_cli_and_an_open_assistant_share_one_catalog_and_its_conversations(tmp_path):
    db = tmp_path / "shop.duckdb"
    holder = Holder(db)  # creates the catalog, then keeps it open
    try:
        first = chat_ids(db, "krimiromaanid", "shared")  # another process, same files
        assert first
        more = holder.turn("shared", "näita veel")  # the holder continues the CLI's conversation
        assert more["decision"] == "search" and more["ids"]
        assert not set(more["ids"]) & set(first), "show more repeated a product"  # type: ignore[arg-type]
        again = chat_ids(db, "näita veel", "shared")  # and the CLI the holder's
        assert again and not set(again) & (set(first) | set(more["ids"]))  # type: ignore[arg-type]

        small = tmp_path / "small.csv"
        small.write_text("id,title,price,author,description\n"
                         "n1,Meremehe päevik,12.50,Jaan Tamm,krimiromaan merest\n"
                         "n2,Mere saladus,9.90,Mari Mets,krimiromaan saarel\n", encoding="utf-8")
        imported = cli("catalog", "import", str(small), "--db", str(db))
        assert imported.returncode == 0, imported.stderr
        after = holder.turn("new-conversation", "krimiromaan")  # sees the new file at once
        assert after["ids"] and set(after["ids"]) <= {"n1", "n2"}  # type: ignore[arg-type]
    finally:
        holder.close()
    assert holder.process.returncode == 0


def test_a_refused_import_leaves_the_open_catalog_alone(tmp_path):
    db = tmp_path / "shop.duckdb"
    with Catalog.open(db) as catalog:
        before, generation = catalog.info()["products"], catalog.generation
        bad = tmp_path / "bad.csv"
        bad.write_text("id,title\n1,No price\n", encoding="utf-8")
        refused = cli("catalog", "import", str(bad), "--db", str(db))
        assert refused.returncode == 1 and "price" in refused.stderr
        assert catalog.info()["products"] == before and catalog.generation == generation
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".building")]


def test_a_turn_writes_its_memory_whole_and_concurrent_writers_wait(tmp_path):
    store = open_state(f"sqlite:///{tmp_path / 'state.sqlite'}")
    other = open_state(f"sqlite:///{tmp_path / 'state.sqlite'}")  # as another process would
    from toolkit.state import TurnRecord

    def write(s, n: int) -> None:
        for i in range(n):
            s.save_turn(f"c{i % 3}", json.dumps({"turns": i}), TurnRecord(i, "m", "i", "d", ["x"]))

    threads = [threading.Thread(target=write, args=(s, 40)) for s in (store, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(len(store.history(f"c{i}")) for i in range(3)) == 80
    store.close()
    other.close()


def test_the_default_state_file_sits_beside_the_catalog(tmp_path):
    db = tmp_path / "shop.duckdb"
    with Assistant.open(db, backend="offline", settings=AssistantSettings()) as assistant:
        assistant.ask("tere", "c")
        assert assistant.state.location.endswith(str(state_path_beside(db)))
    assert state_path_beside(db).exists()


@pytest.mark.parametrize("url, message", [
    ("mysql://somewhere/db", "postgresql://"),
    ("sqlite:////proc/no/such/place/state.sqlite", "cannot open the state file"),
])
def test_an_unusable_state_url_is_refused_with_a_message(url, message):
    with pytest.raises(StateError, match=message):
        open_state(url)
