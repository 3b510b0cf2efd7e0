"""Where things live and how they are tuned, read from the environment.

`TOOLKIT_DB` names the DuckDB file that holds the catalog (and, later, conversation memory).
Without it the file is `$XDG_DATA_HOME/toolkit/toolkit.duckdb` (by default
`~/.local/share/toolkit/toolkit.duckdb`); every command also takes `--db PATH`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CATALOG_FILE = PROJECT_ROOT / "data" / "catalog.parquet"


def default_db_path() -> Path:
    """The catalog database used when no `--db` is given."""
    if explicit := os.environ.get("TOOLKIT_DB"):
        return Path(explicit).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "toolkit" / "toolkit.duckdb"


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _milliseconds(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    try:
        parsed = int(float(value)) if value else default
    except ValueError:
        parsed = default
    return parsed if parsed > 0 else default


@dataclass(frozen=True)
class AssistantSettings:
    """The assistant's tuning, under the reference's environment names."""

    parallel: bool = True  # PARALLEL_EXECUTION_ENABLE
    context_timeout_ms: int = 25_000  # CONTEXT_EXTRACTION_TIMEOUT_MS
    fast_classifier_timeout_ms: int = 4_000  # FAST_CLASSIFIER_TIMEOUT_MS
    turn_timeout_ms: int = 35_000  # PARALLEL_ORCHESTRATOR_TIMEOUT
    search_timeout_ms: int = 15_000  # SEARCH_TIMEOUT_MS
    persist_memory: bool = True  # PHASE5_CONTEXT_ENABLE
    debug: bool = False  # CHAT_DEBUG_LOGS

    @classmethod
    def from_env(cls) -> AssistantSettings:
        """Read the environment; a missing, empty or unreadable value keeps its default."""
        return cls(
            parallel=_flag("PARALLEL_EXECUTION_ENABLE", True),
            context_timeout_ms=_milliseconds("CONTEXT_EXTRACTION_TIMEOUT_MS", 25_000),
            fast_classifier_timeout_ms=_milliseconds("FAST_CLASSIFIER_TIMEOUT_MS", 4_000),
            turn_timeout_ms=_milliseconds("PARALLEL_ORCHESTRATOR_TIMEOUT", 35_000),
            search_timeout_ms=_milliseconds("SEARCH_TIMEOUT_MS", 15_000),
            persist_memory=_flag("PHASE5_CONTEXT_ENABLE", True),
            debug=_flag("CHAT_DEBUG_LOGS", False),
        )


def _number(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    try:
        parsed = float(value) if value else default
    except ValueError:
        parsed = default
    return parsed if parsed > 0 else default


@dataclass(frozen=True)
class ModelSettings:
    """Which model backend to use and how to call it."""

    backend: str = "offline"  # TOOLKIT_BACKEND: auto, offline, simulated, ollama, groq
    ollama_model: str = "qwen2:1.5b"  # OLLAMA_MODEL (host from OLLAMA_HOST)
    groq_model: str = "llama-3.1-8b-instant"  # GROQ_MODEL (key from GROQ_API_KEY)
    simulated_profile: str = "groq-llama3-8b"  # SIMULATED_PROFILE
    simulated_inner: str = "offline"  # SIMULATED_BACKEND: what the simulation wraps
    time_scale: float = 1.0  # SIMULATED_TIME_SCALE: 0.01 runs a hundred times faster
    timeout_s: float = 60.0  # MODEL_TIMEOUT_S, per call
    warn_after_s: float = 30.0  # MODEL_WARN_AFTER_S: a call slower than this gets a warning
    max_retries: int = 2  # MODEL_MAX_RETRIES
    cache: bool = False  # MODEL_CACHE: reuse identical calls from the DuckDB cache

    @classmethod
    def from_env(cls) -> ModelSettings:
        return cls(
            backend=os.environ.get("TOOLKIT_BACKEND", "offline").strip().lower() or "offline",
            ollama_model=os.environ.get("OLLAMA_MODEL", "").strip() or "qwen2:1.5b",
            groq_model=os.environ.get("GROQ_MODEL", "").strip() or "llama-3.1-8b-instant",
            simulated_profile=os.environ.get("SIMULATED_PROFILE", "").strip() or "groq-llama3-8b",
            simulated_inner=os.environ.get("SIMULATED_BACKEND", "").strip() or "offline",
            time_scale=_number("SIMULATED_TIME_SCALE", 1.0),
            timeout_s=_number("MODEL_TIMEOUT_S", 60.0),
            warn_after_s=_number("MODEL_WARN_AFTER_S", 30.0),
            max_retries=int(_number("MODEL_MAX_RETRIES", 2)),
            cache=_flag("MODEL_CACHE", False),
        )
