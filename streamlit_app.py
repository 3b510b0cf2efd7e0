"""The Streamlit front: chat with the shop assistant, compare the orchestrators, write a syllabus.

    streamlit run streamlit_app.py

A face only: it renders the toolkit's events and decides nothing. The catalog connection is
cached (one per process; every run takes its own cursor inside the toolkit); async work runs in
`asyncio.run` within the script, and model clients are made per call, so none outlives the event
loop it was made on. Conversation memory lives in the state store ($TOOLKIT_STATE_URL, else a
SQLite file beside the catalog), one conversation per browser session; the CLI and notebooks
can use the same catalog and memory while the app runs.
"""

from __future__ import annotations

import asyncio
import uuid

import altair as alt
import pandas as pd
import streamlit as st

from toolkit.assistant import Assistant
from toolkit.core.errors import ToolkitError
from toolkit.core.settings import AssistantSettings, ModelSettings
from toolkit.llm import PROFILES, select_backend
from toolkit.shop.catalog import Catalog
from toolkit.shop.search import ProductHit
from toolkit.syllabus import Syllabus, SyllabusGenerator, SyllabusRequest
from toolkit.views.html import STYLE, card_html, escape, escape_markdown, skeleton_html

st.set_page_config(page_title="Raamatu- ja kingipoe abiline", page_icon="📚", layout="wide")

BACKENDS = ["offline", "auto", "simulated", "ollama", "groq"]
FRIENDLY_ERROR = "Something went wrong on our side; please try again. (Vabandust, tekkis viga.)"


@st.cache_resource(show_spinner="Opening the catalog…")
def open_catalog() -> Catalog:
    return Catalog.open()  # $TOOLKIT_DB, else the default location


@st.cache_resource(show_spinner="Preparing the assistant…")
def open_assistant(backend: str, model: str, profile: str, time_scale: float,
                   debug: bool) -> Assistant:
    settings = _model_settings(backend, model, profile, time_scale)
    selection = asyncio.run(select_backend(backend, settings))
    return Assistant(open_catalog(), selection=selection, model_settings=settings,
                     settings=AssistantSettings.from_env().replace(debug=debug))


def _model_settings(backend: str, model: str, profile: str, time_scale: float) -> ModelSettings:
    base = ModelSettings.from_env()
    overrides: dict = {"simulated_profile": profile, "time_scale": time_scale}
    if backend == "ollama" and model:
        overrides["ollama_model"] = model
    if backend == "groq" and model:
        overrides["groq_model"] = model
    return base.replace(**overrides)


def sidebar() -> dict:
    """The settings the CLI follows ($TOOLKIT_BACKEND, $SIMULATED_PROFILE,
    $SIMULATED_TIME_SCALE, ...) are the sidebar's starting values; the sidebar changes them."""
    st.sidebar.header("Settings")
    env = ModelSettings.from_env()
    backend = st.sidebar.selectbox("Backend", BACKENDS, key="backend",
                                   index=BACKENDS.index(env.backend),
                                   help="offline needs no model; auto picks Ollama, then Groq, "
                                        "then offline")
    model = ""
    if backend == "ollama":
        model = st.sidebar.text_input("Ollama model", env.ollama_model)
    elif backend == "groq":
        model = st.sidebar.text_input("Groq model", env.groq_model)
    profiles = list(PROFILES)
    profile = st.sidebar.selectbox("Latency profile (simulated)", profiles, key="profile",
                                   index=profiles.index(env.simulated_profile)
                                   if env.simulated_profile in profiles else 0,
                                   disabled=backend != "simulated")
    scales = sorted({0.05, 0.1, 0.25, 0.5, 1.0, env.time_scale})
    time_scale = st.sidebar.select_slider("Simulated time scale", scales, value=env.time_scale,
                                          disabled=backend != "simulated",
                                          help="1.0 is the profile's real time")
    language = st.sidebar.selectbox("Language", ["auto", "et", "en"], key="language",
                                    help="the syllabus's language; chat answers follow each message")
    debug = st.sidebar.checkbox("Debug (error details, model calls)", key="debug")
    try:
        assistant = open_assistant(backend, model, profile, time_scale, debug)
    except ToolkitError as e:  # a bad setting, a catalog that cannot be opened: say which
        st.error(escape_markdown(e))
        st.stop()
    label = assistant.backend
    st.sidebar.caption(f"**Backend:** {label}")
    if assistant.selection is not None:
        st.sidebar.caption(escape_markdown(assistant.selection.reason))
    if assistant.simulated:
        st.sidebar.warning("Latency is SIMULATED: no model is running.")
    return {"assistant": assistant, "backend": backend, "model": model, "profile": profile,
            "time_scale": time_scale, "language": language, "debug": debug}


def waterfall(spans: list[dict], ttfc_ms: float | None, title: str) -> alt.Chart:
    frame = pd.DataFrame(spans)
    order = list(dict.fromkeys(frame.sort_values("start_ms")["name"]))
    bars = alt.Chart(frame).mark_bar().encode(
        x=alt.X("start_ms:Q", title="ms since the message arrived"), x2="end_ms:Q",
        y=alt.Y("name:N", sort=order, title=None, axis=alt.Axis(labelOverlap=False)),
        tooltip=["name", "start_ms", "end_ms"])
    layers = [bars]
    if ttfc_ms is not None:
        layers.append(alt.Chart(pd.DataFrame({"ttfc": [ttfc_ms]})).mark_rule(color="red").encode(
            x="ttfc:Q"))
    return alt.layer(*layers).properties(title=title, height=30 * len(order) + 50)


def timing_panel(timing: dict, expanded: bool) -> None:
    simulated = " · SIMULATED latency" if timing.get("simulated") else ""
    with st.expander(f"Timing: TTFC {timing['ttfc_ms'] or 0:.1f} ms · total "
                     f"{timing['total_ms']:.1f} ms{simulated}", expanded=expanded):
        columns = st.columns(5)
        for column, (name, key) in zip(columns, (("TTFC", "ttfc_ms"), ("context", "context_ms"),
                                                  ("search", "search_ms"),
                                                  ("products at", "products_ms"),
                                                  ("total", "total_ms")), strict=True):
            value = timing.get(key)
            column.metric(name, "-" if value is None else f"{value:.1f} ms")
        st.altair_chart(waterfall(timing["spans"], timing["ttfc_ms"],
                                  f"{timing['mode']} · {timing['backend']}{simulated}"),
                        use_container_width=True)
        if timing.get("speculation"):
            st.caption(f"Speculative search: {escape_markdown(timing['speculation'])}")
        for fallback in timing.get("fallbacks", []):
            st.caption(f"Fallback: {escape_markdown(fallback)}")
        if timing.get("calls"):
            st.dataframe(pd.DataFrame(timing["calls"])[
                ["task", "backend", "model", "duration_ms", "ttft_ms", "prompt_tokens",
                 "completion_tokens", "tokens_estimated", "cached", "simulated", "error"]],
                hide_index=True)


def cards(products: list[ProductHit]) -> str:
    return STYLE + "<div class='tk-cards'>" + "".join(card_html(p) for p in products) + "</div>"


def text_html(text: str) -> str:
    """A message or an answer as plain text: inside an HTML block Markdown builds nothing (a
    bare URL in st.markdown's own text would still become a live link)."""
    return f"{STYLE}<div class='tk-answer'>{escape(text)}</div>"


def show_turn(turn: dict, index: int, latest: bool) -> None:
    with st.chat_message("assistant"):
        st.caption(f"decision: **{turn['decision']}**" + (
            f" · revised from {turn['revised_from']}" if turn.get("revised_from") else ""))
        if turn["products"]:
            st.markdown(cards(turn["products"]), unsafe_allow_html=True)
        st.markdown(text_html(turn["text"]), unsafe_allow_html=True)
        for error in turn.get("errors", []):
            st.error(escape_markdown(error))
        if turn["suggestions"]:
            columns = st.columns(len(turn["suggestions"]))
            for column, item in zip(columns, turn["suggestions"], strict=True):
                column.button(item, key=f"suggest-{index}-{item}", disabled=not latest,
                              on_click=lambda item=item: st.session_state.update(pending=item))
        if turn.get("timing"):
            timing_panel(turn["timing"], expanded=latest)


async def run_turn(assistant: Assistant, message: str, conversation: str) -> dict:
    """Render one turn live into placeholders; return it for the history."""
    decision = st.empty()
    cards_slot = st.empty()
    answer_slot = st.empty()
    turn = {"decision": "…", "products": [], "text": "", "suggestions": [], "errors": []}
    async for event in assistant.stream(message, conversation):
        if event.type == "intent":
            turn["decision"], turn["revised_from"] = event.decision, event.revised_from
            decision.caption(f"decision: **{event.decision}**")
            if event.revised_from:
                cards_slot.empty()
        elif event.type == "skeleton":
            cards_slot.markdown(STYLE + skeleton_html(event.count), unsafe_allow_html=True)
        elif event.type == "products":
            turn["products"] = event.products
            cards_slot.markdown(cards(event.products), unsafe_allow_html=True)
        elif event.type == "text":
            turn["text"] += event.delta
            answer_slot.markdown(text_html(turn["text"]), unsafe_allow_html=True)
        elif event.type == "suggestions":
            turn["suggestions"] = event.items
        elif event.type == "error":
            turn["errors"].append(event.message)
        elif event.type == "timing":
            turn["timing"] = event.model_dump(mode="json")
    if not turn["products"]:
        cards_slot.empty()
    return turn


def chat_page() -> None:
    options = st.session_state["options"]
    st.title("Raamatu- ja kingipoe abiline")
    st.caption("Ask in Estonian or English: *krimiromaanid alla 20 euro*, *a birthday gift for my "
               "mother*, then *näita veel*, *something cheaper*, *tema teosed*…")
    st.session_state.setdefault("conversation", f"web-{uuid.uuid4().hex[:12]}")
    st.session_state.setdefault("messages", [])
    history = st.session_state["messages"]
    for i, entry in enumerate(history):
        if entry["role"] == "user":
            with st.chat_message("user"):
                st.markdown(text_html(entry["content"]), unsafe_allow_html=True)
        else:
            show_turn(entry, i, latest=i == len(history) - 1)
    typed = st.chat_input("Kirjuta siia… / Type here…")
    message = typed or st.session_state.pop("pending", None)
    if not message:
        return
    history.append({"role": "user", "content": message})
    with st.chat_message("user"):
        st.markdown(text_html(message), unsafe_allow_html=True)
    with st.chat_message("assistant"):
        try:
            turn = asyncio.run(run_turn(options["assistant"], message,
                                        st.session_state["conversation"]))
        except Exception as e:  # a face shows a friendly message, never a traceback
            turn = {"decision": "error", "products": [], "text": "", "suggestions": [],
                    "errors": [f"{type(e).__name__}: {e}" if options["debug"] else FRIENDLY_ERROR]}
    turn["role"] = "assistant"
    history.append(turn)
    st.rerun()


def compare_page() -> None:
    options = st.session_state["options"]
    st.title("Sequential against parallel")
    st.caption("One message through both orchestrators, measured. With the offline backend both "
               "are fast; pick the simulated backend in the sidebar to see what a slow model does.")
    message = st.text_input("Message", "krimiromaanid alla 20 euro", key="compare_message")
    if not st.button("Run both", key="compare_run"):
        return
    results = {}
    assistant = options["assistant"]
    try:
        # One unmeasured turn each first, so neither mode pays the other's cold start (the row
        # cache, the first query plans); then the measured pair.
        for mode in ("sequential", "parallel", "sequential", "parallel"):
            conversation = f"compare-{mode}-{uuid.uuid4().hex[:8]}"
            result = asyncio.run(assistant.stream(message, conversation, mode=mode).result())
            results[mode] = result.timing
    except Exception as e:
        st.error(escape_markdown(f"{type(e).__name__}: {e}") if options["debug"]
                 else FRIENDLY_ERROR)
        return
    left, right = st.columns(2)
    for column, mode in ((left, "sequential"), (right, "parallel")):
        timing = results[mode]
        with column:
            st.subheader(mode)
            st.metric("time to first chunk", f"{timing.ttfc_ms or 0:.1f} ms")
            st.metric("total", f"{timing.total_ms:.1f} ms")
            st.altair_chart(waterfall([s.model_dump() for s in timing.spans], timing.ttfc_ms,
                                      f"{mode} · {timing.backend}"), use_container_width=True)
    seq, par = results["sequential"], results["parallel"]
    ratios = {"TTFC": (seq.ttfc_ms, par.ttfc_ms), "products": (seq.products_ms, par.products_ms),
              "total": (seq.total_ms, par.total_ms)}
    st.caption("Measured after one warm-up turn per mode.")
    st.markdown("**sequential ÷ parallel:** " + " · ".join(
        f"{name} {a / b:.2f}x" for name, (a, b) in ratios.items() if a and b))


def syllabus_page() -> None:
    options = st.session_state["options"]
    st.title("Syllabus")
    topic = st.text_input("Topic", "masinõpe algajatele", key="syllabus_topic")
    c1, c2, c3 = st.columns(3)
    modules = c1.slider("Modules", 1, 20, 8, key="syllabus_modules")
    mode = c2.radio("Mode", ["parallel", "sequential"], key="syllabus_mode", horizontal=True)
    concurrency = c3.number_input("Concurrency", 1, 20, 3, key="syllabus_concurrency",
                                  disabled=mode == "sequential")
    if not st.button("Write the syllabus", key="syllabus_run"):
        return
    language = None if options["language"] == "auto" else options["language"]
    try:
        request = SyllabusRequest(topic, modules, mode, int(concurrency), language).validated()
    except ToolkitError as e:
        st.error(escape_markdown(e))
        return
    settings = _model_settings(options["backend"], options["model"],
                               options["profile"] if options["backend"] == "simulated" else "ollama-7b",
                               options["time_scale"])
    generator = SyllabusGenerator.for_backend(options["backend"], settings)
    progress = st.progress(0.0, text="outline…")
    title_slot = st.empty()
    modules_area = st.container()
    slots: dict[int, object] = {}  # one per module, in outline order, filled as each completes
    final: dict = {}

    async def consume() -> None:
        async for event in generator.run(request):
            if event.type == "outline":
                title_slot.subheader(escape_markdown(event.title))
                with modules_area:
                    for module in event.modules:
                        slots[module.number] = st.empty()
                        slots[module.number].caption(
                            f"{module.number}. {escape_markdown(module.title)} — writing…")
            elif event.type == "module":
                slot = slots.get(event.number) or modules_area.empty()
                if event.module is None:
                    slot.error(f"Module {event.number} failed: {escape_markdown(event.error)}")
                else:
                    m = event.module
                    with slot.container(border=True):
                        st.markdown(f"**{m.number}. {escape_markdown(m.title)}** · "
                                    f"{m.estimated_hours:g} h")
                        st.caption(" · ".join(escape_markdown(t) for t in m.topics))
            elif event.type == "progress":
                progress.progress((event.done + event.failed) / event.total,
                                  text=f"{event.done} of {event.total} modules"
                                       + (f", {event.failed} failed" if event.failed else ""))
            elif event.type == "error":
                st.error(escape_markdown(event.message))
            elif event.type == "timing":
                final["timing"] = event
            elif event.type == "done":
                final["syllabus"] = event.syllabus

    try:
        asyncio.run(consume())
    except Exception as e:
        st.error(escape_markdown(f"{type(e).__name__}: {e}") if options["debug"]
                 else FRIENDLY_ERROR)
        return
    timing = final.get("timing")
    if timing is not None:
        simulated = " · SIMULATED latency" if timing.simulated else ""
        spans = [s.model_dump() for s in timing.spans if s.name != "modules"]
        st.altair_chart(waterfall(spans, None, f"{timing.mode} · concurrency {timing.concurrency}"
                                               f" · {timing.backend}{simulated}"),
                        use_container_width=True)
        st.dataframe(pd.DataFrame([c.model_dump() for c in timing.calls])[
            ["task", "duration_ms", "prompt_tokens", "completion_tokens", "tokens_estimated",
             "warning", "error"]], hide_index=True)
    syllabus = final.get("syllabus")
    if isinstance(syllabus, Syllabus):
        if syllabus.partial:
            st.warning(f"Partial: modules {sorted(syllabus.failed)} failed; the rest are kept.")
        st.download_button("Download Markdown", syllabus.to_markdown(), file_name="syllabus.md",
                           mime="text/markdown", key="syllabus_download")


PAGES = {"chat": chat_page, "compare": compare_page, "syllabus": syllabus_page}


def main() -> None:
    try:
        st.session_state["options"] = sidebar()
    except ToolkitError as e:
        st.error(f"The toolkit could not start: {escape_markdown(e)}")
        return
    pages = {name: st.Page(function, title=name.capitalize(), url_path=name, default=name == "chat")
             for name, function in PAGES.items()}
    current = st.navigation(list(pages.values()))
    wanted = st.session_state.pop("page", None)  # a page asked for by name (AppTest uses it)
    if wanted in pages and pages[wanted].url_path != current.url_path:
        st.switch_page(pages[wanted])
    current.run()


main()
