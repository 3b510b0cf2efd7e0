"""The command line at its edges: options out of range, text that is not UTF-8, an --out file
that cannot be written, and databases that cannot be opened. Each gets a short `error: ...`
and an exit code (2 for a usage error, found before any work; 1 for a refusal or a failure),
never a traceback; the Python API raises a `ToolkitError` for the same files."""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from toolkit.cli import main
from toolkit.core.errors import CatalogError, StateError
from toolkit.shop.catalog import Catalog
from toolkit.state import state_path_beside
from toolkit.state.sqlite import SQLiteState

LOCK_HINT = "Another program has it open"


def toolkit(*args: str | bytes, env: dict[str, str] | None = None,
            unprivileged: bool = False) -> subprocess.CompletedProcess[str]:
    """`python -m toolkit ARGS`; in `env`, an empty value unsets the variable."""
    environ = {**os.environ, **(env or {})}
    done = subprocess.run([sys.executable, "-m", "toolkit", *args], capture_output=True,
                          text=True, timeout=120, env={k: v for k, v in environ.items() if v},
                          preexec_fn=_drop_root_override if unprivileged else None)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def _drop_root_override() -> None:
    """In the child, before exec: root without the capabilities that let it ignore permission
    bits (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), so a read-only folder is read-only to it."""
    if os.geteuid() == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        for capability in (1, 2):
            libc.prctl(24, capability, 0, 0, 0)  # PR_CAPBSET_DROP


@pytest.fixture
def read_only(tmp_path: Path) -> Callable[[Path], Path]:
    """Makes a folder read-only for the CLI under test; skips where that cannot be had."""
    made: list[Path] = []

    def make(folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o555)
        made.append(folder)
        probe = subprocess.run(["touch", str(folder / "probe")], preexec_fn=_drop_root_override,
                               capture_output=True)
        if probe.returncode == 0:
            pytest.skip("permission bits do not bind here (root that keeps its override)")
        return folder

    yield make
    for folder in made:
        folder.chmod(0o755)


# -- options -------------------------------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    (["syllabus", "python", "--timeout", "-1"], "--timeout: must be a number above 0, not '-1'"),
    (["syllabus", "python", "--timeout", "0"], "--timeout: must be a number above 0"),
    (["syllabus", "python", "--timeout", "nan"], "--timeout: must be a finite number"),
    (["syllabus", "python", "--timeout", "inf"], "--timeout: must be a finite number"),
    (["syllabus", "python", "--timeout", "soon"], "--timeout: 'soon' is not a number"),
    (["syllabus", "python", "--concurrency", "0"], "--concurrency: must be a whole number of 1"),
    (["syllabus", "python", "--concurrency", "1.5"], "--concurrency: must be a whole number"),
    (["syllabus", "python", "--modules", "0"], "--modules: must be a whole number from 1 to 20"),
    (["syllabus", "python", "--modules", "21"], "--modules: must be a whole number from 1 to 20"),
    (["syllabus", "python", "--time-scale", "-0.5"], "--time-scale: must be a number above 0"),
    (["chat", "kass", "--time-scale", "0"], "--time-scale: must be a number above 0"),
    (["chat", "kass", "--time-scale", "nan"], "--time-scale: must be a finite number"),
    (["search", "kass", "--limit", "0"], "--limit: must be a whole number of 1 or more"),
    (["search", "kass", "--limit", "-3"], "--limit: must be a whole number of 1 or more"),
    (["search", "kass", "--max-price", "-5"], "--max-price: must be an amount of 0 or more"),
    (["search", "kass", "--min-price", "inf"], "--min-price: must be a finite number"),
    (["search", "kass", "--age", "-1"], "--age: must be a whole number of 0 or more"),
])
def test_numbers_out_of_range_are_usage_errors(args, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2 and message in capsys.readouterr().err


def test_a_usage_error_is_found_before_any_work():
    done = toolkit("syllabus", "python", "--timeout", "-1")
    assert done.returncode == 2 and done.stdout == ""
    assert "argument --timeout: must be a number above 0, not '-1'" in done.stderr


def test_a_long_topic_is_refused_with_its_real_length():
    done = toolkit("syllabus", "x" * 5000)
    assert done.returncode == 1 and "the topic is 5000 characters long" in done.stderr


# -- text that is not UTF-8 ----------------------------------------------------------------

@pytest.mark.parametrize("args", [
    [b"chat", b"\xff\xfe"], [b"chat", b"kass\xff", b"--json"], [b"search", b"raamat\xfe", b"--json"],
    [b"syllabus", b"\xff\xfe"], [b"search", b"kass", b"--db", b"/tmp/\xff.duckdb"],
])
def test_arguments_that_are_not_utf8_get_a_clear_message(args):
    done = toolkit(*args)
    assert done.returncode == 2 and done.stdout == ""
    assert "is not UTF-8 text" in done.stderr
    assert "\\xff" in done.stderr or "\\xfe" in done.stderr  # the bad bytes, shown


# -- syllabus --out ----------------------------------------------------------------------

@pytest.mark.parametrize("where, message", [
    ("missing/s.md", "the folder {tmp}/missing does not exist"),
    ("afile/s.md", "{tmp}/afile is not a folder"),
    (".", "it is a folder"),
])
def test_an_out_file_that_cannot_be_written_is_refused_before_the_run(tmp_path, where, message):
    (tmp_path / "afile").write_text("x")
    done = toolkit("syllabus", "robotics", "--out", str(tmp_path / where))
    assert done.returncode == 2 and done.stdout == ""  # no outline: nothing was started
    assert message.format(tmp=tmp_path) in done.stderr


def test_an_out_file_in_a_read_only_folder_is_refused_before_the_run(tmp_path, read_only):
    folder = read_only(tmp_path / "ro")
    done = toolkit("syllabus", "robotics", "--out", str(folder / "s.md"), unprivileged=True)
    assert done.returncode == 2 and f"the folder {folder} is not writable" in done.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_write_that_fails_at_the_end_prints_the_syllabus_instead():
    done = toolkit("syllabus", "robotics", "--modules", "2", "--out", "/dev/full")
    assert done.returncode == 1 and "# Robotics: a course" in done.stdout
    assert "could not write /dev/full" in done.stderr and "printed above instead" in done.stderr


# -- databases that cannot be opened -------------------------------------------------------

def corrupt_header(real: Path, target: Path) -> Path:
    """A real catalog with its database header overwritten: DuckDB's message says "block"."""
    data = bytearray(real.read_bytes())
    data[4096:8192] = os.urandom(4096)
    target.write_bytes(bytes(data))
    return target


def damaged_files(tmp_path: Path, real: Path) -> dict[str, Path]:
    random_bytes = tmp_path / "random.duckdb"
    random_bytes.write_bytes(os.urandom(100_000))
    truncated = tmp_path / "truncated.duckdb"
    truncated.write_bytes(real.read_bytes()[:1000])
    return {"random bytes": random_bytes, "the first 1000 bytes of a catalog": truncated,
            "a damaged header": corrupt_header(real, tmp_path / "header.duckdb")}


@pytest.mark.parametrize("kind", ["random bytes", "the first 1000 bytes of a catalog",
                                  "a damaged header"])
def test_a_damaged_database_is_a_message_without_the_lock_hint(tmp_path, catalog, kind):
    db = damaged_files(tmp_path, Path(catalog.path))[kind]
    for command in (["search", "kass"], ["chat", "kass"], ["catalog", "info"]):
        done = toolkit(*command, "--db", str(db))
        assert done.returncode == 1 and done.stderr.startswith("error: ")
        assert "not a catalog this toolkit can read" in done.stderr
        assert LOCK_HINT not in done.stderr and len(done.stderr.splitlines()) <= 2
    with pytest.raises(CatalogError, match="not a catalog this toolkit can read"):
        Catalog.open(db)


def test_damage_deep_in_a_catalog_found_by_a_query_is_a_message(tmp_path, catalog):
    """DuckDB opens a file whose later blocks are damaged and fails only when a query reads
    them: the CLI still says so in a line, without a traceback."""
    db = tmp_path / "deep.duckdb"
    data = bytearray(Path(catalog.path).read_bytes())
    data[300_000:-4096] = os.urandom(len(data) - 300_000 - 4096)
    db.write_bytes(bytes(data))
    for command in (["search", "krimi"], ["chat", "krimi"]):
        done = toolkit(*command, "--db", str(db))
        assert done.returncode == 1 and done.stderr.startswith("error: ")
        assert "damaged" in done.stderr and LOCK_HINT not in done.stderr


def test_the_lock_hint_is_given_for_a_lock(tmp_path, catalog):
    db = tmp_path / "locked.duckdb"
    shutil.copy(catalog.path, db)
    writer = duckdb.connect(str(db))  # another program, holding it open for writing
    try:
        done = toolkit("search", "kass", "--db", str(db))
    finally:
        writer.close()
    assert done.returncode == 1 and LOCK_HINT in done.stderr


@pytest.mark.parametrize("db, message", [
    ("{tmp}/afile/x.duckdb", "{tmp}/afile is a file, not a folder"),
    ("/proc/x/y.duckdb", "cannot create the folder /proc/x for the catalog"),
    ("{tmp}", "it is a folder"),
    ("{tmp}/fifo", "it is not a regular file"),
])
def test_a_path_that_cannot_hold_a_catalog_is_a_message(tmp_path, db, message):
    (tmp_path / "afile").write_text("x")
    os.mkfifo(tmp_path / "fifo")
    path = db.format(tmp=tmp_path)
    done = toolkit("search", "kass", "--db", path)
    assert done.returncode == 1 and message.format(tmp=tmp_path) in done.stderr
    assert LOCK_HINT not in done.stderr
    assert (tmp_path / "fifo").is_fifo()  # never replaced by a catalog
    with pytest.raises(CatalogError):
        Catalog.open(path)


def test_someone_elses_duckdb_file_is_left_alone(tmp_path):
    db = tmp_path / "mine.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE TABLE precious AS SELECT 42 AS answer")
    for command in (["catalog", "info"], ["catalog", "import", "data/catalog.parquet"]):
        done = toolkit(*command, "--db", str(db))
        assert done.returncode == 1 and "is a DuckDB database but not a catalog" in done.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT answer FROM precious").fetchall() == [(42,)]


def test_an_unwritable_home_is_a_message(tmp_path, read_only):
    home = read_only(tmp_path / "home")
    env = {"HOME": str(home / "nonexistent"), "TOOLKIT_DB": "", "XDG_DATA_HOME": ""}
    done = toolkit("search", "kass", env=env, unprivileged=True)
    assert done.returncode == 1 and "cannot create the folder" in done.stderr
    assert "permission denied" in done.stderr and "TOOLKIT_DB" in done.stderr


def test_a_read_only_folder_with_a_catalog_in_it_says_the_state_cannot_be_kept(
        tmp_path, catalog, read_only):
    folder = tmp_path / "shop"
    folder.mkdir()
    shutil.copy(catalog.path, folder / "shop.duckdb")
    read_only(folder)
    assert toolkit("search", "kass", "--db", str(folder / "shop.duckdb"),
                   unprivileged=True).returncode == 0  # reading needs no writing
    done = toolkit("chat", "kass", "--db", str(folder / "shop.duckdb"), unprivileged=True)
    assert done.returncode == 1 and LOCK_HINT not in done.stderr
    assert f"cannot open the state file {folder}/shop.state.sqlite: the folder {folder} is " \
           "not writable" in done.stderr and "TOOLKIT_STATE_URL" in done.stderr
    assert toolkit("chat", "kass", "--db", str(folder / "shop.duckdb"), "--state", "memory:",
                   unprivileged=True).returncode == 0  # and the way out it names works


@pytest.mark.parametrize("damage, message", [
    ("random bytes", "it is not a SQLite database"),
    ("a folder", "it is a folder"),
])
def test_a_state_file_that_cannot_be_used_is_a_message(tmp_path, catalog, damage, message):
    db = tmp_path / "shop.duckdb"
    shutil.copy(catalog.path, db)
    state = state_path_beside(db)
    if damage == "a folder":
        state.mkdir()
    else:
        state.write_bytes(os.urandom(5000))
    done = toolkit("chat", "kass", "--db", str(db))
    assert done.returncode == 1 and f"cannot open the state file {state}: {message}" in done.stderr
    with pytest.raises(StateError, match=message):
        SQLiteState(state)


def test_every_option_of_every_command_says_what_it_does():
    import argparse

    from toolkit.cli import build_parser

    def parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
        found = [parser]
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    found += parsers(sub)
        return found

    silent = [f"{p.prog} {a.option_strings or a.dest}" for p in parsers(build_parser())
              for a in p._actions
              if not isinstance(a, argparse._SubParsersAction) and not (a.help or "").strip()]
    assert silent == []


def test_a_first_run_at_a_terminal_says_what_it_waits_for(tmp_path, monkeypatch, capsys):
    """The dictionary build and a new catalog's filling take ~10 s on a new machine: a person
    at a terminal is told so before the wait, a pipe or a log is not."""
    from toolkit import cli
    from toolkit.shop import morphology

    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))  # main() blocks pandas imports
    monkeypatch.setattr(morphology, "dictionary_ready", lambda: False)
    new_db = tmp_path / "new.duckdb"
    for interactive in (True, False):
        monkeypatch.setattr(cli, "_interactive", lambda interactive=interactive: interactive)
        assert cli.main(["search", "kass", "--limit", "1", "--db", str(new_db)]) == 0
        said = capsys.readouterr().err
        if interactive:
            assert "building the Estonian dictionary" in said
            assert f"filling a new catalog at {new_db}" in said
        else:
            assert said == ""
    monkeypatch.setattr(morphology, "dictionary_ready", lambda: True)
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    assert cli.main(["search", "kass", "--limit", "1", "--db", str(new_db)]) == 0
    assert capsys.readouterr().err == ""  # nothing to wait for: nothing said
