"""The README's commands are what a new user and CI run: keep them true.

The two set-up commands create `.venv` and never put it on PATH, so every other command names
the programs in `.venv/bin/`, and each must work as written after those two: the program is one
the `[dev]` install puts there, a script it runs exists, and a `python -m toolkit` command parses
with the CLI's own parser (options, choices, sub-commands).
"""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
# What a command may start with, after any VAR=value settings.
PROGRAM = re.compile(r"^(?:[A-Z_]+=\S*\s+)*(\S+)")
# Inline code that is a command (not a Python expression or a file name).
INLINE_COMMAND = re.compile(r"(?<!`)`((?:[A-Z_]+=\S* )*(?:\S*/)?(?:python3?|pip|streamlit|"
                            r"jupyter|pytest|toolkit) [^`\n]*)`")


def readme_commands() -> list[str]:
    block = re.search(r"## Two commands\n.*?```bash\n(.*?)```", README, re.S).group(1)
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def _split(lines: list[str]) -> list[str]:
    return [part.split("  #")[0].strip() for line in lines for part in line.split("&&")]


def block_commands() -> list[str]:
    """Every command in a bash block (a line that is not a comment nor an indented
    continuation of a synopsis), split at `&&`."""
    return _split([line for block in re.findall(r"```bash\n(.*?)```", README, re.S)
                   for line in block.splitlines()
                   if line.strip() and not line.startswith((" ", "#"))])


def all_commands() -> list[str]:
    """The bash blocks' commands and the commands quoted inline in the text."""
    return block_commands() + _split(INLINE_COMMAND.findall(README))


def test_readme_gives_exactly_two_commands():
    assert len(readme_commands()) == 2


def test_ci_runs_the_readme_test_command_verbatim():
    test_command = readme_commands()[1]
    assert "pytest" in test_command and "mypy" in test_command  # the type checker runs too
    assert test_command in (ROOT / ".ci" / "run").read_text().splitlines()


def test_every_command_names_the_programs_the_set_up_commands_install():
    commands = all_commands()
    assert len(commands) > 20  # the scan found the README's commands
    for command in commands:
        program = PROGRAM.match(command).group(1)
        assert program.startswith(".venv/bin/") or command.startswith("python3 -m venv .venv"), (
            f"{command!r} runs {program!r}, which the two set-up commands do not put on PATH")


def test_every_script_and_cli_command_in_the_readme_exists():
    from toolkit.cli import build_parser

    checked = 0
    for command in block_commands():  # inline ones may name a command without its arguments
        words = shlex.split(re.sub(r"\[[^\]]*\]", "", command))  # a synopsis's [options] go
        while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):
            words.pop(0)
        if words[0] != ".venv/bin/python" or len(words) < 2:
            continue
        if words[1:3] == ["-m", "toolkit"]:
            build_parser().parse_args(words[3:])  # SystemExit (a failed test) if it does not parse
        elif words[1].endswith(".py"):
            assert (ROOT / words[1]).is_file(), command
        checked += 1
    assert checked > 12


@pytest.mark.skipif(Path(sys.prefix).resolve() != (ROOT / ".venv").resolve(),
                    reason="checks the .venv the set-up commands make: run the tests with "
                           ".venv/bin/python -m pytest, as the README's test command does")
def test_the_programs_the_readme_names_are_in_the_venv_and_run():
    programs = {PROGRAM.match(c).group(1) for c in all_commands()} - {"python3"}
    for program in programs:
        assert (ROOT / program).is_file(), f"{program} is not installed by the [dev] extra"
    # `jupyter lab notebooks/` needs JupyterLab itself, which the [notebook] extra brings.
    done = subprocess.run([str(ROOT / ".venv/bin/jupyter"), "lab", "--version"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and re.fullmatch(r"\d+\.\d+\.\d+\s*", done.stdout), done.stderr
