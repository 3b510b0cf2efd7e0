"""A Jupyter-native toolkit for LLM pipelines that must feel fast: a gift and book shop assistant
and syllabus generation over a DuckDB product catalog.

    from toolkit import Assistant, Catalog, SyllabusGenerator, search_products

    assistant = Assistant.open()                         # the default catalog, offline
    result = assistant.ask("krimiromaanid alla 20 euro")
    async for event in assistant.stream("näita veel"): ...

    catalog = Catalog.open()
    search_products(catalog, "krimiromaanid", SearchFilters(max_price=20))

The parts: `toolkit.core` (errors, settings, timing), `toolkit.shop` (catalog, search),
`toolkit.llm` (model backends), `toolkit.assistant` (one module per step, the orchestrators),
`toolkit.syllabus`, `toolkit.views` (HTML and notebook widgets). The names below are imported on
first use, so `import toolkit` (and the CLI) stays quick.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

# public name -> the module that defines it
_EXPORTS = {
    # the assistant and its event protocol
    "Assistant": "toolkit.assistant.assistant",
    "Turn": "toolkit.assistant.turn",
    "TurnResult": "toolkit.assistant.turn",
    "Event": "toolkit.assistant.events",
    "IntentEvent": "toolkit.assistant.events",
    "SkeletonEvent": "toolkit.assistant.events",
    "ProductsEvent": "toolkit.assistant.events",
    "TextEvent": "toolkit.assistant.events",
    "SuggestionsEvent": "toolkit.assistant.events",
    "TimingEvent": "toolkit.assistant.events",
    "ErrorEvent": "toolkit.core.events",
    "DoneEvent": "toolkit.assistant.events",
    "parse_event": "toolkit.assistant.events",
    "GiftContext": "toolkit.assistant.context",
    # the syllabus
    "SyllabusGenerator": "toolkit.syllabus.generate",
    "SyllabusRequest": "toolkit.syllabus.generate",
    "Syllabus": "toolkit.syllabus.models",
    "SyllabusEvent": "toolkit.syllabus.events",
    # the shop
    "Catalog": "toolkit.shop.catalog",
    "ImportReport": "toolkit.shop.catalog",
    "ProductHit": "toolkit.shop.search",
    "SearchFilters": "toolkit.shop.search",
    "SearchResult": "toolkit.shop.search",
    "search_products": "toolkit.shop.search",
    # settings and errors
    "Settings": "toolkit.core.settings",
    "AssistantSettings": "toolkit.core.settings",
    "ModelSettings": "toolkit.core.settings",
    "ToolkitError": "toolkit.core.errors",
    "SettingsError": "toolkit.core.errors",
    "CatalogError": "toolkit.core.errors",
    "CatalogImportError": "toolkit.core.errors",
    "SearchError": "toolkit.core.errors",
    "SyllabusError": "toolkit.core.errors",
    "ModelError": "toolkit.core.errors",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'toolkit' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # the next access is a plain lookup
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


if TYPE_CHECKING:  # what the names are, for type checkers and editors
    from toolkit.assistant.assistant import (
        Assistant as Assistant,
    )
    from toolkit.assistant.context import (
        GiftContext as GiftContext,
    )
    from toolkit.assistant.events import (
        DoneEvent as DoneEvent,
    )
    from toolkit.assistant.events import (
        Event as Event,
    )
    from toolkit.assistant.events import (
        IntentEvent as IntentEvent,
    )
    from toolkit.assistant.events import (
        ProductsEvent as ProductsEvent,
    )
    from toolkit.assistant.events import (
        SkeletonEvent as SkeletonEvent,
    )
    from toolkit.assistant.events import (
        SuggestionsEvent as SuggestionsEvent,
    )
    from toolkit.assistant.events import (
        TextEvent as TextEvent,
    )
    from toolkit.assistant.events import (
        TimingEvent as TimingEvent,
    )
    from toolkit.assistant.events import (
        parse_event as parse_event,
    )
    from toolkit.assistant.turn import (
        Turn as Turn,
    )
    from toolkit.assistant.turn import (
        TurnResult as TurnResult,
    )
    from toolkit.core.errors import (
        CatalogError as CatalogError,
    )
    from toolkit.core.errors import (
        CatalogImportError as CatalogImportError,
    )
    from toolkit.core.errors import (
        ModelError as ModelError,
    )
    from toolkit.core.errors import (
        SearchError as SearchError,
    )
    from toolkit.core.errors import (
        SettingsError as SettingsError,
    )
    from toolkit.core.errors import (
        SyllabusError as SyllabusError,
    )
    from toolkit.core.errors import (
        ToolkitError as ToolkitError,
    )
    from toolkit.core.events import (
        ErrorEvent as ErrorEvent,
    )
    from toolkit.core.settings import (
        AssistantSettings as AssistantSettings,
    )
    from toolkit.core.settings import (
        ModelSettings as ModelSettings,
    )
    from toolkit.core.settings import (
        Settings as Settings,
    )
    from toolkit.shop.catalog import (
        Catalog as Catalog,
    )
    from toolkit.shop.catalog import (
        ImportReport as ImportReport,
    )
    from toolkit.shop.search import (
        ProductHit as ProductHit,
    )
    from toolkit.shop.search import (
        SearchFilters as SearchFilters,
    )
    from toolkit.shop.search import (
        SearchResult as SearchResult,
    )
    from toolkit.shop.search import (
        search_products as search_products,
    )
    from toolkit.syllabus.events import (
        SyllabusEvent as SyllabusEvent,
    )
    from toolkit.syllabus.generate import (
        SyllabusGenerator as SyllabusGenerator,
    )
    from toolkit.syllabus.generate import (
        SyllabusRequest as SyllabusRequest,
    )
    from toolkit.syllabus.models import (
        Syllabus as Syllabus,
    )
