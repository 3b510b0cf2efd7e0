"""Choosing a backend by name, `auto` included, and saying why.

`auto`: Ollama if it answers and has the configured model, else the OpenAI-compatible server
at OPENAI_BASE_URL if it answers with a model, else Groq if GROQ_API_KEY is set, else offline. The choice and its reason travel with the backend (`Selection.reason`) so that
every face can show them. The vendor clients are imported only when their backend is chosen:
the offline path never pays for them.
"""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.core.errors import ToolkitError
from toolkit.core.settings import ModelSettings
from toolkit.llm.base import ModelBackend
from toolkit.llm.capacity import ServerCapacity
from toolkit.llm.offline import OfflineBackend
from toolkit.llm.simulated import PROFILES, SimulatedBackend

BACKENDS = ("auto", "offline", "simulated", "ollama", "groq", "openai")


@dataclass
class Selection:
    backend: ModelBackend
    offline: OfflineBackend  # the rules, always there: the fast path and the fallback
    reason: str

    @property
    def label(self) -> str:
        if self.backend.name == "offline":
            return "offline"
        simulated = " (simulated latency)" if self.backend.simulated else ""
        return f"{self.backend.name} · {self.backend.model}{simulated}"


def selection_for(backend: ModelBackend, reason: str = "given by the caller") -> Selection:
    """A backend built by the caller. When it wraps an offline backend (a `SimulatedBackend`
    over `OfflineBackend()`), the steps register their rules on that one, so the simulation
    answers with them."""
    inner: object = backend
    while not isinstance(inner, OfflineBackend) and hasattr(inner, "inner"):
        inner = inner.inner
    offline = inner if isinstance(inner, OfflineBackend) else OfflineBackend()
    return Selection(backend, offline, f"{backend.name}: {reason}")


def _ollama(settings: ModelSettings) -> ModelBackend:
    from toolkit.llm.ollama import OllamaBackend

    return OllamaBackend(settings.ollama_model, settings.ollama_host, timeout_s=settings.timeout_s)


def _groq(settings: ModelSettings) -> ModelBackend:
    from toolkit.llm.groq import GroqBackend

    return GroqBackend(settings.groq_model, api_key=settings.groq_api_key,
                       base_url=settings.groq_base_url, timeout_s=settings.timeout_s)


def _openai(settings: ModelSettings) -> ModelBackend:
    from toolkit.llm.openai_compat import OpenAICompatibleBackend

    if not settings.openai_base_url:
        raise ToolkitError("the openai backend needs OPENAI_BASE_URL: the server's /v1 address, "
                           "e.g. http://127.0.0.1:8000/v1 for vLLM")
    return OpenAICompatibleBackend(settings.openai_model, settings.openai_base_url,
                                   api_key=settings.openai_api_key, timeout_s=settings.timeout_s,
                                   json_mode=settings.openai_json_mode)


async def select_backend(name: str | None = None, settings: ModelSettings | None = None) -> Selection:
    """The backend `name` (default: the settings'), built and, for `auto`, probed."""
    settings = settings or ModelSettings.from_env()
    name = (name or settings.backend).lower()
    offline = OfflineBackend()
    if name not in BACKENDS:
        raise ToolkitError(f"unknown backend {name!r}: choose one of {', '.join(BACKENDS)}")
    if name == "offline":
        return Selection(offline, offline, "offline: rules and templates, no model")
    if name == "ollama":
        return Selection(_ollama(settings), offline, f"ollama: {settings.ollama_model} as configured")
    if name == "groq":
        return Selection(_groq(settings), offline, f"groq: {settings.groq_model} as configured")
    if name == "openai":
        backend = _openai(settings)
        return Selection(backend, offline, f"openai: {settings.openai_model or 'the first model'}"
                                           f" at {settings.openai_base_url} as configured")
    if name == "simulated":
        if settings.simulated_profile not in PROFILES:
            raise ToolkitError(f"unknown latency profile {settings.simulated_profile!r}: choose "
                               f"one of {', '.join(PROFILES)}")
        inner = offline if settings.simulated_inner == "offline" else (
            await select_backend(settings.simulated_inner, settings)).backend
        capacity = ServerCapacity(settings.simulated_slots, settings.simulated_throughput)
        return Selection(SimulatedBackend(inner, settings.simulated_profile,
                                          time_scale=settings.time_scale, capacity=capacity,
                                          disagreement=settings.simulated_disagreement),
                         offline, f"simulated: {inner.name} answers at the pace of "
                                  f"{settings.simulated_profile} (x{settings.time_scale:g} time"
                                  f"{'' if capacity.unlimited else ', ' + capacity.describe()})")
    from toolkit.llm.ollama import OllamaBackend

    ollama_backend = OllamaBackend(settings.ollama_model, settings.ollama_host,
                                   timeout_s=settings.timeout_s)
    usable, why = await ollama_backend.available()
    if usable:
        return Selection(ollama_backend, offline, f"auto chose ollama: {why}")
    if settings.openai_base_url:
        from toolkit.llm.openai_compat import OpenAICompatibleBackend

        server = _openai(settings)
        assert isinstance(server, OpenAICompatibleBackend)
        found, server_why = await server.available()
        if found:
            return Selection(server, offline, f"auto chose openai: {why}; {server_why}")
        why = f"{why}; {server_why}"
    if settings.groq_api_key is not None:
        return Selection(_groq(settings), offline, f"auto chose groq: {why}; GROQ_API_KEY is set")
    return Selection(offline, offline, f"auto chose offline: {why}; GROQ_API_KEY is not set")
