"""One assistant, many conversations at once: as asyncio tasks and from several threads (as
Streamlit runs browser sessions). Every turn ends with `done`, memory stays per conversation,
turns of one conversation run in order, no memory write is lost; conversation ids are kept
exactly; memory never serves a product the catalog no longer has."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from protocol import assert_protocol

from toolkit.assistant import Assistant
from toolkit.assistant.admission import TurnGate, conversation_key
from toolkit.core.errors import ConversationIdError
from toolkit.core.settings import AssistantSettings

FOLLOW_UPS = ("krimiromaanid", "näita veel", "näita veel")


def ids(result) -> set[str]:
    return {p.id for p in result.products}


def test_two_follow_ups_sent_at_once_in_one_conversation_get_different_products(
        fresh_catalog, conversation):
    assistant = Assistant(fresh_catalog, settings=AssistantSettings())
    first = assistant.ask("krimiromaanid", conversation)

    async def both() -> list:
        return await asyncio.gather(assistant.stream("näita veel", conversation).result(),
                                    assistant.stream("näita veel", conversation).result())

    a, b = asyncio.run(both())
    assert a.products and b.products
    assert not ids(a) & ids(b) and not (ids(a) | ids(b)) & ids(first)
    assert len(assistant.memory.history(conversation)) == 3


def test_turns_of_one_conversation_from_two_threads_run_in_order(fresh_catalog, conversation):
    assistant = Assistant(fresh_catalog, settings=AssistantSettings())
    assistant.ask("krimiromaanid", conversation)
    results: list = []
    threads = [threading.Thread(target=lambda: results.append(assistant.ask("näita veel",
                                                                              conversation)))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    shown = [ids(r) for r in results]
    assert all(shown) and len(set().union(*shown)) == sum(len(s) for s in shown)


def test_soak_many_conversations_on_tasks_and_threads(fresh_catalog):
    """200 conversations of three turns each: 4 threads, each with its own loop running 50
    conversations as concurrent tasks (all admitted: the bound is the admission test's)."""
    assistant = Assistant(fresh_catalog, settings=AssistantSettings(max_turns_in_flight=200))
    outcomes: dict[str, list] = {}
    failures: list[BaseException] = []

    async def conversation(name: str) -> None:
        outcomes[name] = [await assistant.stream(message, name).result() for message in FOLLOW_UPS]

    def thread(n: int) -> None:
        async def all_of_them() -> None:
            await asyncio.gather(*(conversation(f"soak-{n}-{i}") for i in range(50)))
        try:
            asyncio.run(all_of_them())
        except BaseException as e:  # reported below, not lost in the thread
            failures.append(e)

    threads = [threading.Thread(target=thread, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not failures and len(outcomes) == 200
    for name, results in outcomes.items():
        for result in results:
            assert_protocol(result.events)
            assert not result.errors and result.decision == "search" and result.products
        seen = [ids(r) for r in results]
        assert len(set().union(*seen)) == sum(len(s) for s in seen), name  # never repeats
        history = assistant.memory.history(name)
        assert [h["turn"] for h in history] == [1, 2, 3]  # no write lost
        assert [set(h["product_ids"]) for h in history] == seen  # its own, not another's
    assert assistant.gate.in_flight == 0


@pytest.mark.parametrize("bad", ["", "   ", None, 7, "\x00", "a\x00b", "tab\there", "\udcff"])
def test_an_empty_or_invalid_conversation_id_is_refused(catalog, bad):
    assistant = Assistant(catalog, settings=AssistantSettings(persist_memory=False))
    with pytest.raises(ConversationIdError):
        assistant.stream("tere", bad)


def test_conversation_ids_are_kept_exactly_and_long_ones_hashed_whole():
    assert conversation_key("a b") != conversation_key("a  b") != conversation_key(" a b")
    long_a, long_b = "x" * 300 + "a", "x" * 300 + "b"
    assert conversation_key(long_a) != conversation_key(long_b)
    assert len(conversation_key(long_a)) <= 200
    assert conversation_key("kasutaja-1") == "kasutaja-1"


def test_two_long_ids_that_differ_after_200_characters_are_two_conversations(fresh_catalog):
    assistant = Assistant(fresh_catalog, settings=AssistantSettings())
    a, b = "x" * 250 + "a", "x" * 250 + "b"
    first = assistant.ask("krimiromaanid", a)
    other = assistant.ask("krimiromaanid", b)
    assert ids(first) == ids(other)  # b did not continue a's conversation


def test_memory_drops_products_the_catalog_no_longer_has(fresh_catalog, tmp_path: Path,
                                                         conversation):
    assistant = Assistant(fresh_catalog, settings=AssistantSettings())
    first = assistant.ask("krimiromaanid", conversation)
    assert first.products
    remembered = assistant.memory.load(conversation)
    gone = {p.id for p in remembered.candidates}
    with fresh_catalog.cursor() as cur:
        table = cur.execute("SELECT id, title, price, product_type, category, description "
                            "FROM products").to_arrow_table()
    keep = [i for i, pid in enumerate(table.column("id").to_pylist()) if pid not in gone]
    pq.write_table(table.take(pa.array(keep)), tmp_path / "smaller.parquet")
    fresh_catalog.import_file(tmp_path / "smaller.parquet")
    more = assistant.ask("näita veel", conversation)
    assert more.products and not ids(more) & gone


def test_the_gate_hands_a_conversation_on_across_loops_and_after_a_cancelled_waiter():
    gate = TurnGate(max_in_flight=10)
    order: list[str] = []

    async def holder() -> None:
        await gate.acquire("c")
        order.append("first")
        await asyncio.sleep(0.2)
        gate.release("c")

    async def waiter(name: str, cancel_after: float | None = None) -> None:
        task = asyncio.ensure_future(gate.acquire("c"))
        if cancel_after is not None:
            await asyncio.sleep(cancel_after)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            return
        await task
        order.append(name)
        gate.release("c")

    async def main() -> None:
        first = asyncio.ensure_future(holder())
        await asyncio.sleep(0.05)
        cancelled = asyncio.ensure_future(waiter("cancelled", cancel_after=0.05))
        await asyncio.sleep(0.01)
        other_thread = threading.Thread(target=lambda: asyncio.run(waiter("second")))
        other_thread.start()
        await asyncio.gather(first, cancelled)
        await asyncio.to_thread(other_thread.join, 5)

    asyncio.run(main())
    assert order == ["first", "second"]
    assert not gate._queues  # nothing left held
