"""The layout is the architecture: each part imports only the parts below it.

    core        nothing of ours
    state       core
    shop        core
    llm         core, state
    syllabus    core, shop, llm, state       never the assistant
    assistant   core, shop, llm, state
    views       anything above: they render events
    cli         anything (imports lazily, per command)
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "toolkit"
ALLOWED = {
    "core": {"core"},
    "state": {"core", "state"},
    "shop": {"core", "shop"},
    "llm": {"core", "llm", "state"},
    "syllabus": {"core", "shop", "llm", "state", "syllabus"},
    "assistant": {"core", "shop", "llm", "state", "assistant"},
    "views": {"core", "shop", "llm", "state", "assistant", "syllabus", "views"},
}


def imports_of(path: Path) -> set[str]:
    """The toolkit parts a module imports (`toolkit.shop.search` -> "shop")."""
    parts = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else (
            [a.name for a in node.names] if isinstance(node, ast.Import) else [])
        for name in names:
            bits = name.split(".")
            if bits[0] == "toolkit" and len(bits) > 1:
                parts.add(bits[1])
    return parts


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_no_import_runs_upward(part):
    for module in (PACKAGE / part).rglob("*.py"):
        wrong = imports_of(module) - ALLOWED[part]
        assert not wrong, f"{module.relative_to(PACKAGE)} imports {sorted(wrong)}"


def test_only_the_notebook_views_import_a_ui_library():
    for module in PACKAGE.rglob("*.py"):
        text = module.read_text()
        if module.name != "notebook.py":
            assert "import ipywidgets" not in text and "import streamlit" not in text, module


def test_the_offline_cli_loads_no_vendor_client_nor_dataframe_library(tmp_path):
    """Cold start: a chat turn offline imports only what it uses."""
    probe = (
        "import sys, io, contextlib\n"
        "from toolkit.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    code = main(['chat', 'krimiromaanid', '--backend', 'offline', '--db', {str(tmp_path / 'c.duckdb')!r}])\n"
        "heavy = ['pandas', 'pyarrow', 'numpy', 'ollama', 'groq', 'httpx', 'streamlit', 'ipywidgets',\n"
        "         'opentelemetry']\n"
        "print(code, [m for m in heavy if m in sys.modules])\n")
    # Without tracing switched on in the shell that runs the tests (OTEL_*: it loads the SDK).
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    # The first run imports the default catalog (pyarrow is allowed there); the second is cold.
    subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True,
                   env=env)
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True,
                         text=True, env=env).stdout.strip()
    assert out == "0 []", out
