"""The toolkit's errors. Each message says what went wrong and what to do about it.

    ToolkitError
     ├── CatalogError              the catalog file cannot be opened or is not a catalog
     │    └── CatalogImportError   a user's catalog file was refused; the catalog is unchanged
     └── SearchError               a search could not run (bad filters, a failed query)
"""

from __future__ import annotations


class ToolkitError(Exception):
    """Base of every error the toolkit raises on purpose."""


class CatalogError(ToolkitError):
    """The catalog database cannot be opened, created or read."""


class CatalogImportError(CatalogError):
    """A catalog file was refused. `problems` lists each one (column, row, value)."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or []
        detail = "".join(f"\n  - {p}" for p in self.problems)
        super().__init__(f"{message}{detail}\nThe catalog was left as it was.")


class SearchError(ToolkitError):
    """A search was given filters it cannot use, or its query failed."""
