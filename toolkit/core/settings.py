"""Every setting the toolkit reads, in one typed object, loaded once and passed down.

    settings = Settings.from_env()          # reads the environment once; refuses bad values
    settings.assistant.search_timeout_ms    # the assistant's tuning, under the reference's names
    settings.model.backend                  # which model backend and how to call it
    settings.db_path                        # the DuckDB file

Variables keep the reference's names (`PARALLEL_EXECUTION_ENABLE`, `SEARCH_TIMEOUT_MS`, ...)
as aliases; in code the fields have plain names (`AssistantSettings(search_timeout_ms=500)`).
A value that cannot be read (`SEARCH_TIMEOUT_MS=abc`, a negative timeout, `MODEL_CACHE=maybe`)
is refused with a `SettingsError` naming the variable; an empty one keeps its default. API keys
are `SecretStr`: they print as `**********` in a repr, a log or an event.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from toolkit.core.errors import SettingsError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CATALOG_FILE = PROJECT_ROOT / "data" / "catalog.parquet"

BackendName = Literal["auto", "offline", "simulated", "ollama", "groq", "openai"]


class _FromEnvironment(BaseModel):
    # Constructing one in code never reads its variables (pydantic-settings' BaseSettings
    # would, making `AssistantSettings(debug=True)` depend on the shell); `from_env` does, once.
    # (`Settings()`'s default db path is the default location, which honours $TOOLKIT_DB.)
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="forbid")

    @classmethod
    def variables(cls) -> dict[str, str]:
        """Environment variable -> field name."""
        out = {}
        for name, field in cls.model_fields.items():
            if isinstance(field.validation_alias, str):  # the variable; in code, the field name
                out[field.validation_alias] = name
        return out

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        """Read the environment (or `environ`); a `SettingsError` names each bad variable.
        Only the variables named here are read; an empty one keeps its default."""
        source = os.environ if environ is None else environ
        values = {var: source[var].strip() for var in cls.variables()
                  if source.get(var, "").strip()}
        try:
            return cls.model_validate(values)
        except ValidationError as e:
            raise SettingsError(_problems(e)) from None

    def replace(self, **changes: Any) -> Self:
        """A copy with some fields changed (by field name), validated like the environment."""
        try:
            return type(self).model_validate({**dict(self), **changes})
        except ValidationError as e:
            raise SettingsError(_problems(e)) from None


def _problems(error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        where = ".".join(str(p) for p in problem["loc"])
        value = problem.get("input")
        shown = "" if isinstance(value, dict) else f" (got {str(value)[:60]!r})"
        lines.append(f"{where}: {problem['msg']}{shown}")
    return "invalid setting: " + "; ".join(lines)


class AssistantSettings(_FromEnvironment):
    """The assistant's tuning, under the reference's environment names."""

    parallel: bool = Field(True, validation_alias="PARALLEL_EXECUTION_ENABLE")
    context_timeout_ms: int = Field(
        25_000, gt=0, validation_alias="CONTEXT_EXTRACTION_TIMEOUT_MS")
    fast_classifier_timeout_ms: int = Field(
        4_000, gt=0,
        validation_alias="FAST_CLASSIFIER_TIMEOUT_MS")
    turn_timeout_ms: int = Field(
        35_000, gt=0, validation_alias="PARALLEL_ORCHESTRATOR_TIMEOUT")
    search_timeout_ms: int = Field(
        15_000, gt=0, validation_alias="SEARCH_TIMEOUT_MS")
    # The model's answer: past either wait, the templates finish it.
    answer_first_token_timeout_ms: int = Field(
        5_000, gt=0, validation_alias="ANSWER_FIRST_TOKEN_TIMEOUT_MS")
    answer_stall_timeout_ms: int = Field(
        3_000, gt=0, validation_alias="ANSWER_STALL_TIMEOUT_MS")
    # Turns running at once in one process; past it a new turn is refused as busy at once, so
    # the turns already admitted finish within their budget.
    max_turns_in_flight: int = Field(128, gt=0, validation_alias="MAX_TURNS_IN_FLIGHT")
    persist_memory: bool = Field(True, validation_alias="PHASE5_CONTEXT_ENABLE")
    # Where conversations and cached calls are kept: postgresql://…, sqlite:///path, memory:;
    # unset, a SQLite file beside the catalog (see toolkit.state).
    state_url: str | None = Field(None, validation_alias="TOOLKIT_STATE_URL")
    debug: bool = Field(False, validation_alias="CHAT_DEBUG_LOGS")


class ModelSettings(_FromEnvironment):
    """Which model backend to use and how to call it."""

    backend: BackendName = Field("offline", validation_alias="TOOLKIT_BACKEND")
    ollama_host: str = Field("http://127.0.0.1:11434", validation_alias="OLLAMA_HOST")
    ollama_model: str = Field("qwen2:1.5b", validation_alias="OLLAMA_MODEL")
    groq_api_key: SecretStr | None = Field(None, validation_alias="GROQ_API_KEY")
    groq_base_url: str | None = Field(None, validation_alias="GROQ_BASE_URL")
    groq_model: str = Field("llama-3.1-8b-instant", validation_alias="GROQ_MODEL")
    # An OpenAI-compatible server (vLLM, llama.cpp, LM Studio, TGI): its /v1 URL, a key if it
    # wants one, the model (unset: the first it lists), and how it takes a JSON schema.
    openai_base_url: str | None = Field(None, validation_alias="OPENAI_BASE_URL")
    openai_api_key: SecretStr | None = Field(None, validation_alias="OPENAI_API_KEY")
    openai_model: str | None = Field(None, validation_alias="OPENAI_MODEL")
    openai_json_mode: Literal["json_schema", "json_object", "none"] = Field(
        "json_schema", validation_alias="OPENAI_JSON_MODE")
    simulated_profile: str = Field(
        "groq-llama3-8b", validation_alias="SIMULATED_PROFILE")
    # What the simulation wraps: the offline rules by default.
    simulated_inner: BackendName = Field(
        "offline", validation_alias="SIMULATED_BACKEND")
    # 0.01 runs a hundred times faster than the profile.
    time_scale: float = Field(1.0, gt=0, validation_alias="SIMULATED_TIME_SCALE")
    # The share of context extractions the simulated model reads differently from the rules
    # (toolkit.assistant.disagreement); 0 agrees always: the speculation's best case.
    simulated_disagreement: float = Field(0.0, ge=0, le=1,
                                          validation_alias="SIMULATED_DISAGREEMENT")
    # The simulated server's capacity (toolkit.llm.capacity): requests it serves at once (the
    # rest queue, as past Ollama's OLLAMA_NUM_PARALLEL) and the tokens a second those share, in
    # the profile's time. Unset, unlimited: every call at full speed, however many at once.
    simulated_slots: int | None = Field(None, ge=1, validation_alias="SIMULATED_SLOTS")
    simulated_throughput: float | None = Field(
        None, gt=0, validation_alias="SIMULATED_THROUGHPUT")
    timeout_s: float = Field(60.0, gt=0, validation_alias="MODEL_TIMEOUT_S")
    # Within that: the wait for the first token (a request queued behind others on a one-slot
    # server waits for them: raise it for such a server), and for each later one.
    first_token_timeout_s: float = Field(
        30.0, gt=0, validation_alias="MODEL_FIRST_TOKEN_TIMEOUT_S")
    stall_timeout_s: float = Field(15.0, gt=0, validation_alias="MODEL_STALL_TIMEOUT_S")
    # A call slower than this gets a warning in its record.
    warn_after_s: float = Field(30.0, gt=0, validation_alias="MODEL_WARN_AFTER_S")
    max_retries: int = Field(2, ge=0, le=10, validation_alias="MODEL_MAX_RETRIES")
    # Reuse identical calls from the DuckDB cache.
    cache: bool = Field(False, validation_alias="MODEL_CACHE")


def _default_db_path(environ: Mapping[str, str]) -> Path:
    if explicit := environ.get("TOOLKIT_DB", "").strip():
        return Path(explicit).expanduser()
    data_home = environ.get("XDG_DATA_HOME", "").strip() or Path.home() / ".local" / "share"
    return Path(data_home) / "toolkit" / "toolkit.duckdb"


class Settings(_FromEnvironment):
    """All of it: where the catalog lives, the assistant's tuning and the model backend."""

    db_path: Path = Field(default_factory=lambda: _default_db_path(os.environ))
    assistant: AssistantSettings = Field(default_factory=AssistantSettings)
    model: ModelSettings = Field(default_factory=ModelSettings)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        source = os.environ if environ is None else environ
        return cls(db_path=_default_db_path(source),
                   assistant=AssistantSettings.from_env(source),
                   model=ModelSettings.from_env(source))


def default_db_path() -> Path:
    """The catalog database used when no `--db` is given: $TOOLKIT_DB, else
    `$XDG_DATA_HOME/toolkit/toolkit.duckdb` (by default under ~/.local/share)."""
    return _default_db_path(os.environ)
