"""`python -m toolkit chat`: a readable transcript, or the event protocol as JSON lines."""

from __future__ import annotations

import re
import subprocess
import sys

from protocol import assert_protocol

from toolkit.assistant.events import parse_event


def chat(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os
    return subprocess.run([sys.executable, "-m", "toolkit", "chat", *args], capture_output=True,
                          text=True, timeout=120, env={**os.environ, **(env or {})})


def test_json_lines_follow_the_protocol(tmp_path):
    done = chat("krimiromaanid alla 20 euro", "--json", "--db", str(tmp_path / "c.duckdb"))
    assert done.returncode == 0, done.stderr
    events = [parse_event(line) for line in done.stdout.splitlines()]
    assert_protocol(events)
    assert [e.type for e in events][:2] == ["intent", "skeleton"]


def test_transcript_shows_cards_answer_and_timing(tmp_path):
    db = str(tmp_path / "c.duckdb")
    done = chat("fantaasia alla 25 euro", "--db", db, "--conversation", "t", "--mode", "sequential")
    assert done.returncode == 0 and "[search]" in done.stdout
    assert "┃" in done.stdout and "── timing (sequential, offline) ──" in done.stdout
    assert "time to first chunk" in done.stdout and "search" in done.stdout
    more = chat("näita veel", "--db", db, "--conversation", "t")
    assert more.returncode == 0 and "[search]" in more.stdout


def test_clarify_and_refine_still_exit_zero(tmp_path):
    db = str(tmp_path / "c.duckdb")
    assert chat("Otsin kingitust", "--db", db).returncode == 0
    refined = chat("asdfghjkl", "--db", db)
    assert refined.returncode == 0 and "[refine]" in refined.stdout


def test_debug_logs_go_to_stderr(tmp_path):
    done = chat("luule", "--db", str(tmp_path / "c.duckdb"), "--debug")
    assert done.returncode == 0 and "toolkit.assistant routing" in done.stderr
    assert "Traceback" not in done.stderr


def test_quiet_leaves_out_the_timing_block(tmp_path):
    db = str(tmp_path / "c.duckdb")
    done = chat("krimiromaanid alla 20 euro", "--db", db, "--quiet")
    assert done.returncode == 0, done.stderr
    assert "┃" in done.stdout and "Kõik mahuvad eelarvesse" in done.stdout
    assert "timing" not in done.stdout and "time to first chunk" not in done.stdout
    assert done.stdout.endswith("\n") and not done.stdout.endswith("\n\n")


def test_transcript_prices_are_written_as_the_answer_writes_them(tmp_path):
    db = str(tmp_path / "c.duckdb")
    et = chat("krimiromaanid alla 20 euro", "--db", db, "--quiet").stdout
    en = chat("crime novels under 20 euros", "--db", db, "--quiet", "--conversation", "en").stdout
    card_et = next(line for line in et.splitlines() if "┃" in line)
    card_en = next(line for line in en.splitlines() if "┃" in line)
    assert re.search(r"\d+,\d\d €", card_et) and not re.search(r"€\d", card_et)
    assert re.search(r"€\d+\.\d\d", card_en) and not re.search(r"\d €", card_en)


def test_counts_are_singular_for_one():
    from toolkit.cli import _count

    assert [_count(n, "product") for n in (0, 1, 2, 1200)] == [
        "0 products", "1 product", "2 products", "1,200 products"]


def test_search_summary_counts_read_right(tmp_path):
    import os

    done = subprocess.run([sys.executable, "-m", "toolkit", "search", "krimi", "--limit", "1",
                           "--db", str(tmp_path / "c.duckdb")], capture_output=True, text=True,
                          timeout=120, env=os.environ)
    assert done.returncode == 0, done.stderr
    summary = done.stdout.splitlines()[-1]
    assert "of 1 word matched" in summary and "1 words" not in summary
    assert re.search(r"\b1 author in the top 3|\b[02-9] authors in the top 3", summary), summary
