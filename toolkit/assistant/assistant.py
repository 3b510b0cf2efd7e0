"""The shop assistant: its steps wired to one catalog and one backend, and the ways to run a turn.

    assistant = Assistant.open()                                  # default catalog, offline
    assistant = await Assistant.aopen(backend="simulated")        # from async code
    assistant = Assistant.open(backend=SimulatedBackend(OfflineBackend(), "groq-llama3-8b"))
    async for event in assistant.stream("krimiromaanid alla 20 euro", conversation_id="c1"):
        ...
    result = await assistant.stream("näita veel", conversation_id="c1")   # or await it whole
    result = assistant.ask("näita veel", conversation_id="c1")            # from sync code

Which orchestrator runs a turn: `sequential`, `parallel`, or, when a model stands behind the
steps, `parallel_with_model` (early skeleton and speculation).
"""

from __future__ import annotations

import asyncio
from functools import partial
from pathlib import Path
from typing import Any

from toolkit.assistant.admission import TurnGate, conversation_key
from toolkit.assistant.answer import AnswerWriter, TemplateAnswerWriter
from toolkit.assistant.context import ContextExtractor
from toolkit.assistant.memory import ConversationMemory
from toolkit.assistant.orchestrate import parallel, sequential
from toolkit.assistant.rules import RuleContextExtractor
from toolkit.assistant.steps import Steps
from toolkit.assistant.turn import Mode, Orchestrator, Turn, TurnResult, TurnSetup
from toolkit.assistant.validation import QueryValidator, RuleValidator
from toolkit.core import tracing
from toolkit.core.aio import run_sync
from toolkit.core.settings import AssistantSettings, ModelSettings
from toolkit.llm.backends import Selection, select_backend, selection_for
from toolkit.llm.base import ModelBackend
from toolkit.llm.simulated import SimulatedBackend
from toolkit.shop import nonsense
from toolkit.shop.catalog import Catalog
from toolkit.shop.search import known_word_count
from toolkit.shop.taxonomy import Taxonomy
from toolkit.shop.text import detect_language
from toolkit.state import StateStore, open_state

# Words the assistant itself answers, so a message of only these is never nonsense.
ASSISTANT_WORDS = frozenset({"tere", "hello", "hi", "aitah", "thanks", "veel", "more", "odavam",
                             "cheaper"})

__all__ = ["Assistant", "Turn", "TurnResult"]


class Assistant:
    """The gift and book shop assistant over one catalog."""

    def __init__(self, catalog: Catalog, *, settings: AssistantSettings | None = None,
                 selection: Selection | None = None, model_settings: ModelSettings | None = None,
                 extractor: ContextExtractor | None = None,
                 validator: QueryValidator | None = None, writer: AnswerWriter | None = None,
                 memory: ConversationMemory | None = None,
                 state: StateStore | None = None) -> None:
        self.catalog = catalog
        self.settings = settings or AssistantSettings.from_env()
        # The state store (memory, call cache): the one given, else the settings' own, which
        # this assistant then closes.
        self._owns_state = state is None and memory is None
        self.state: StateStore = state or (memory.store if memory else open_state(
            self.settings.state_url if self.settings.persist_memory else "memory:",
            beside=catalog.path))
        self.memory = memory or ConversationMemory(self.state)
        self.selection = selection
        self.model_backed = selection is not None and selection.backend.name != "offline"
        self.backend = selection.label if selection else "offline"
        self.simulated = bool(selection and selection.backend.simulated)
        self._model_settings = model_settings
        self._given = (extractor, validator, writer)
        self.gate = TurnGate(self.settings.max_turns_in_flight)
        self.writes: set[asyncio.Future[None]] = set()  # memory writes still running
        self._wire()
        self._owns_catalog = False

    def _wire(self) -> None:
        """Bind the steps to the catalog as it is now: its taxonomy (the categories and
        authors the rules recognise) is read from it, again after each import."""
        self._generation = self.catalog.generation
        self.taxonomy = Taxonomy.from_catalog(self.catalog)
        extractor, validator, writer = self._given
        rules = RuleContextExtractor(self.taxonomy)
        rule_validator = RuleValidator(partial(known_word_count, self.catalog),
                                       extra_words=set(ASSISTANT_WORDS))
        default_extractor: ContextExtractor = rules
        default_validator: QueryValidator = rule_validator
        default_writer: AnswerWriter = TemplateAnswerWriter()
        if self.selection is not None and self.model_backed:
            default_extractor, default_validator, default_writer = self._model_steps(
                self.selection, self._model_settings or ModelSettings.from_env(), rules,
                rule_validator)
        self.steps = Steps(self.catalog, self.taxonomy, self.memory, rules=rules,
                           extractor=extractor or default_extractor,
                           rule_validator=rule_validator,
                           validator=validator or default_validator,
                           writer=writer or default_writer, settings=self.settings,
                           model_backed=self.model_backed, writes=self.writes)

    def _model_steps(self, selection: Selection, model_settings: ModelSettings,
                     rules: RuleContextExtractor, rule_validator: RuleValidator
                     ) -> tuple[ContextExtractor, QueryValidator, AnswerWriter]:
        """The model-backed steps, each with the rules as its fallback."""
        from toolkit.assistant.model_steps import (
            ModelAnswerWriter,
            ModelContextExtractor,
            ModelValidator,
        )
        from toolkit.llm.cache import CallCache
        from toolkit.llm.client import ModelClient

        client = ModelClient(
            selection.backend, timeout_s=model_settings.timeout_s,
            warn_after_s=model_settings.warn_after_s, max_retries=model_settings.max_retries,
            cache=CallCache(self.state) if model_settings.cache else None)
        limits = self.settings
        if isinstance(selection.backend, SimulatedBackend):  # it may read messages differently
            from toolkit.assistant.disagreement import context_misreading
            selection.backend.misread("gift_context", context_misreading(self.taxonomy))
        return (
            ModelContextExtractor(client.with_limits(timeout_s=limits.context_timeout_ms / 1000),
                                  rules, self.taxonomy, selection.offline),
            ModelValidator(client.with_limits(timeout_s=limits.fast_classifier_timeout_ms / 1000),
                           rule_validator, selection.offline),
            ModelAnswerWriter(client.with_limits(
                first_token_s=limits.answer_first_token_timeout_ms / 1000,
                stall_s=limits.answer_stall_timeout_ms / 1000), selection.offline),
        )

    @classmethod
    def open(cls, db: Path | str | None = None, *, backend: str | ModelBackend | None = None,
             settings: AssistantSettings | None = None,
             model_settings: ModelSettings | None = None, state: str | StateStore | None = None,
             **options: Any) -> Assistant:
        """An assistant over the catalog at `db` (default location if None). `backend` is a
        name (default: $TOOLKIT_BACKEND, else offline; `auto` probes and says what it chose) or
        a backend of your own, e.g. a `SimulatedBackend`. `state` is where conversations are
        kept: a URL (`postgresql://…`, `sqlite:///path`, `memory:`) or a store of your own;
        default $TOOLKIT_STATE_URL, else a file beside the catalog."""
        return run_sync(lambda: cls.aopen(db, backend=backend, settings=settings,
                                          model_settings=model_settings, state=state,
                                          **options))

    @classmethod
    async def aopen(cls, db: Path | str | None = None, *,
                    backend: str | ModelBackend | None = None,
                    settings: AssistantSettings | None = None,
                    model_settings: ModelSettings | None = None,
                    state: str | StateStore | None = None, **options: Any) -> Assistant:
        """`open` for async code: the catalog and the state are opened on a worker thread,
        `auto` probed on the running loop."""
        model_settings = model_settings or ModelSettings.from_env()
        if backend is None or isinstance(backend, str):
            selection = await select_backend(backend, model_settings)
        else:
            selection = selection_for(backend)
        if isinstance(state, str):
            settings = (settings or AssistantSettings.from_env()).replace(state_url=state)
            state = None
        catalog = await asyncio.to_thread(Catalog.open, db)
        try:
            assistant = await asyncio.to_thread(
                lambda: cls(catalog, settings=settings, selection=selection,
                            model_settings=model_settings, state=state, **options))
        except BaseException:
            catalog.close()
            raise
        assistant._owns_catalog = True
        return assistant

    def close(self) -> None:
        tracing.flush()  # the traces of its turns leave before the process may end
        if self._owns_state:
            self.state.close()
        if self._owns_catalog:
            self.catalog.close()

    def __enter__(self) -> Assistant:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> Assistant:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self, *, wait_s: float = 5.0) -> None:
        """Close after the memory writes still running on this loop have finished."""
        loop = asyncio.get_running_loop()
        mine = [w for w in self.writes if w.get_loop() is loop]
        if mine:
            await asyncio.wait(mine, timeout=wait_s)
        await asyncio.to_thread(self.close)

    # -- entry points --------------------------------------------------------------------

    def orchestrator(self, mode: Mode) -> Orchestrator:
        """The orchestrator a turn in `mode` runs on these steps."""
        if mode == "sequential":
            return partial(sequential, self.steps)
        if self.model_backed:
            from toolkit.assistant.speculative import parallel_with_model
            return partial(parallel_with_model, self.steps)
        return partial(parallel, self.steps)

    def stream(self, message: object, conversation_id: str = "default", *,
               mode: Mode | None = None) -> Turn:
        """A turn for `message`: `async for event in ...` or `await ...`."""
        mode = mode or ("parallel" if self.settings.parallel else "sequential")
        if mode not in ("parallel", "sequential"):
            raise ValueError(f"mode must be 'parallel' or 'sequential', not {mode!r}")
        if self.catalog.refresh() != self._generation:  # another catalog was imported
            self._wire()
        text = nonsense.clean(message)
        key = conversation_key(conversation_id)
        setup = TurnSetup(mode=mode, backend=self.backend, simulated=self.simulated,
                          backend_note=self.selection.reason if self.selection else None,
                          timeout_ms=self.settings.turn_timeout_ms, debug=self.settings.debug)
        return Turn(self.orchestrator(mode), text, key, setup, detect_language(text), self.gate)

    def ask(self, message: object, conversation_id: str = "default", *,
            mode: Mode | None = None) -> TurnResult:
        """The whole turn, from synchronous code."""
        return run_sync(lambda: self.stream(message, conversation_id, mode=mode).result())

