"""`python -m toolkit chat`: a readable transcript, or the event protocol as JSON lines."""

from __future__ import annotations

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
