"""The Streamlit app under AppTest, for the tests of its pages: started on a temporary catalog,
and moved to a page by name."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")


def start_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The app's first run, on a catalog of the test's own."""
    monkeypatch.setenv("TOOLKIT_DB", str(tmp_path / "app.duckdb"))
    test = AppTest.from_file(APP, default_timeout=60)
    test.run()
    assert not test.exception, test.exception
    return test


def page(app: AppTest, name: str) -> AppTest:
    """The app on page `name` (the app switches to the page named in session state)."""
    app.session_state["page"] = name
    app.run()
    assert not app.exception, app.exception
    return app
