"""The toolkit's errors. Each message says what went wrong and what to do about it.

    ToolkitError
     ├── SettingsError             a setting (environment variable or option) has a value it cannot use
     ├── CatalogError              the catalog file cannot be opened or is not a catalog
     │    └── CatalogImportError   a user's catalog file was refused; the catalog is unchanged
     ├── StateError                conversation memory or the call cache cannot be read or written
     ├── SearchError               a search could not run (bad filters, a failed query)
     ├── SyllabusError             a syllabus request that cannot be run (topic, modules, concurrency)
     └── ModelError                a model call failed; `retryable` says whether to try again
          ├── ModelTimeout         no first token, or no end, within the call's timeout
          ├── ModelUnavailable     the server could not be reached, or lacks the model
          ├── ModelHTTPError       the server answered with an error status
          │    └── ModelRateLimited   429; `retry_after` seconds, when the server says
          └── ModelOutputError     the output was not the JSON the schema asks for
"""

from __future__ import annotations


class ToolkitError(Exception):
    """Base of every error the toolkit raises on purpose."""


class SettingsError(ToolkitError):
    """A setting could not be read: the message names the variable, its value and the rule."""


class CatalogError(ToolkitError):
    """The catalog database cannot be opened, created or read."""


class CatalogImportError(CatalogError):
    """A catalog file was refused. `problems` lists each one (column, row, value)."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or []
        detail = "".join(f"\n  - {p}" for p in self.problems)
        super().__init__(f"{message}{detail}\nThe catalog was left as it was.")


class StateError(ToolkitError):
    """The state store (conversation memory, the model-call cache) is unreachable or unusable."""


class SearchError(ToolkitError):
    """A search was given filters it cannot use, or its query failed."""


class SyllabusError(ToolkitError):
    """A syllabus request was refused: the message says which value and what is allowed."""


class ModelError(ToolkitError):
    """A model call failed. Messages never contain API keys."""

    retryable = False


class ModelTimeout(ModelError):
    retryable = True


class ModelUnavailable(ModelError):
    retryable = True


class ModelHTTPError(ModelError):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = status >= 500


class ModelRateLimited(ModelHTTPError):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message, 429)
        self.retry_after = retry_after
        self.retryable = True


class ModelOutputError(ModelError):
    """The model's output was not valid for the requested schema (after one repair try)."""


class ConversationIdError(ToolkitError, ValueError):
    """A conversation id that cannot name a conversation (empty, not text, control characters)."""
