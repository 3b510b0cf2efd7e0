"""What a user imports: the public names, the version, the typed marker, and the ways to open
an assistant."""

from __future__ import annotations

import asyncio
from pathlib import Path

import toolkit
from toolkit import Assistant, Catalog, SyllabusGenerator, TurnResult, search_products
from toolkit.llm import OfflineBackend, SimulatedBackend

ROOT = Path(__file__).resolve().parent.parent


def test_public_names_are_exported_and_importable():
    for name in toolkit.__all__:
        assert getattr(toolkit, name) is not None, name
    assert {"Assistant", "TurnResult", "SyllabusGenerator", "Catalog", "search_products",
            "IntentEvent", "ProductsEvent", "TimingEvent", "parse_event", "Settings",
            "ToolkitError"} <= set(toolkit.__all__)
    assert Assistant is toolkit.Assistant and callable(search_products)
    assert Catalog and SyllabusGenerator and TurnResult


def test_version_and_typed_marker():
    import tomllib

    assert toolkit.__version__.count(".") == 2
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert toolkit.__version__ == project["version"]  # one version, wherever it is read
    assert (ROOT / "toolkit" / "py.typed").is_file()
    assert "py.typed" in (ROOT / "pyproject.toml").read_text()


def test_an_unknown_name_is_an_attribute_error():
    try:
        toolkit.NoSuchThing  # noqa: B018
    except AttributeError as e:
        assert "NoSuchThing" in str(e)
    else:
        raise AssertionError("toolkit.NoSuchThing should not exist")


def test_errors_form_one_tree():
    assert issubclass(toolkit.CatalogImportError, toolkit.CatalogError)
    assert issubclass(toolkit.CatalogError, toolkit.ToolkitError)
    assert issubclass(toolkit.SearchError, toolkit.ToolkitError)
    assert issubclass(toolkit.SettingsError, toolkit.ToolkitError)


def test_aopen_from_async_code_with_a_backend_of_ones_own(tmp_path):
    async def main() -> TurnResult:
        backend = SimulatedBackend(OfflineBackend(), "groq-llama3-8b", time_scale=0.01, seed=3)
        async with await Assistant.aopen(tmp_path / "shop.duckdb", backend=backend) as assistant:
            assert assistant.model_backed and assistant.simulated
            return await assistant.stream("krimiromaanid alla 20 euro", conversation_id="api")

    result = asyncio.run(main())
    assert result.decision == "search" and len(result.products) == 3
    assert result.timing is not None and result.timing.simulated
    # The steps' offline rules answer inside the simulation: every call succeeded.
    assert result.timing.calls and not any(c.error for c in result.timing.calls)


def test_open_by_name_from_sync_code(tmp_path):
    with Assistant.open(tmp_path / "shop.duckdb", backend="offline") as assistant:
        result = assistant.ask("tere")
    assert result.decision == "conversational" and result.text
