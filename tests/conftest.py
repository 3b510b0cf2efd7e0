"""Shared fixtures: catalogs in temporary files, never the user's default database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from toolkit.shop.catalog import Catalog

EVAL_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "eval-data"


@pytest.fixture(autouse=True)
def _no_default_db(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # A test that forgets --db must not touch the developer's own catalog.
    monkeypatch.setenv("TOOLKIT_DB", str(tmp_path_factory.mktemp("default") / "toolkit.duckdb"))


@pytest.fixture(scope="session")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalog]:
    """The default catalog, opened once for the session; tests must not change it."""
    with Catalog.open(tmp_path_factory.mktemp("catalog") / "shop.duckdb") as opened:
        yield opened


@pytest.fixture
def fresh_catalog(tmp_path: Path) -> Iterator[Catalog]:
    """A default catalog of the test's own, free to be replaced."""
    with Catalog.open(tmp_path / "shop.duckdb") as opened:
        yield opened


@pytest.fixture(scope="session")
def assistant(catalog):
    """An offline assistant over the session's default catalog (memory persisted in it)."""
    from toolkit.assistant import Assistant
    from toolkit.core.settings import AssistantSettings

    return Assistant(catalog, settings=AssistantSettings())


@pytest.fixture
def conversation() -> str:
    """A conversation id of the test's own, so memories never mix."""
    import uuid

    return f"test-{uuid.uuid4().hex[:12]}"
