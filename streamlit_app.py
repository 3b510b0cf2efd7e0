"""The Streamlit front: chat with the shop assistant, compare the orchestrators, write a syllabus.

    streamlit run streamlit_app.py

A face only: it renders the toolkit's events and decides nothing. The catalog connection is
cached (one per process; every run takes its own cursor inside the toolkit); async work runs in
`asyncio.run` within the script, and model clients are made per call, so none outlives the event
loop it was made on. Conversation memory lives in the state store ($TOOLKIT_STATE_URL, else a
SQLite file beside the catalog), one conversation per browser session; the CLI and notebooks
can use the same catalog and memory while the app runs.

Streamlit reruns this script on every click and key press, so what it redraws stays cheap: the
cards' style sheet is sent once a page, a turn's timing is one line until it is opened (only then
are its chart and table drawn), and the last syllabus and comparison are kept in the session's
state and redrawn, not lost, when a download or a changed setting reruns the page. Settings for
the server (no usage statistics, a minimal toolbar) are in .streamlit/config.toml.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from toolkit.assistant import Assistant
from toolkit.core.errors import ToolkitError
from toolkit.core.settings import AssistantSettings, ModelSettings
from toolkit.llm import PROFILES, select_backend
from toolkit.shop.catalog import Catalog
from toolkit.syllabus import Module, Syllabus, SyllabusGenerator, SyllabusRequest
from toolkit.views.html import STYLE, cards_html, escape, escape_markdown, ms, skeleton_html

st.set_page_config(page_title="Raamatu- ja kingipoe abiline", page_icon="📚", layout="wide")

BACKENDS = ["offline", "auto", "simulated", "ollama", "groq", "openai"]
FRIENDLY_ERROR = "Something went wrong on our side; please try again. (Vabandust, tekkis viga.)"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


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
    if backend == "openai" and model:
        overrides["openai_model"] = model
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
    elif backend == "openai":
        model = st.sidebar.text_input("Model (OpenAI-compatible server)", env.openai_model or "")
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


ROW_PX = 30  # the waterfall's height per row of spans: labels never overlap
CLOCK = "measured in the assistant, from message received"


def waterfall(spans: list[dict], ttfc_ms: float | None, title: str,
              domain_ms: float | None = None) -> alt.LayerChart:
    """Spans as bars on one time axis, one row per step, the first visible event as a red
    rule; `domain_ms` puts several charts on one scale."""
    frame = pd.DataFrame(spans)
    frame["took_ms"] = (frame["end_ms"] - frame["start_ms"]).round(2)
    order = list(dict.fromkeys(frame.sort_values("start_ms")["name"]))
    scale = alt.Scale(domain=[0, domain_ms], nice=False) if domain_ms else alt.Scale()
    bars = alt.Chart(frame).mark_bar(cornerRadius=2).encode(
        x=alt.X("start_ms:Q", title="ms since the message arrived", scale=scale,
                axis=alt.Axis(labelOverlap=True, tickCount=5, labelFlush=True)),
        x2="end_ms:Q",
        y=alt.Y("name:N", sort=order, title=None,
                axis=alt.Axis(labelOverlap=False, labelLimit=160, labelPadding=6)),
        tooltip=[alt.Tooltip("name:N", title="step"),
                 alt.Tooltip("start_ms:Q", title="start (ms)", format=".1f"),
                 alt.Tooltip("took_ms:Q", title="took (ms)", format=".2f")])
    layers: list[alt.Chart] = [bars]
    if ttfc_ms is not None:
        layers.append(alt.Chart(pd.DataFrame({"ttfc": [ttfc_ms]})).mark_rule(
            color="#d33", strokeWidth=2).encode(
            x=alt.X("ttfc:Q", scale=scale),
            tooltip=[alt.Tooltip("ttfc:Q", title="first visible (ms)", format=".1f")]))
    return alt.layer(*layers).properties(title=title, height=alt.Step(ROW_PX))


def _cell(value: object, digits: int = 1) -> str:
    """A table cell for a person: numbers rounded, and "–" where there is nothing."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def calls_table(calls: list[dict]) -> pd.DataFrame:
    """One row per model call, in named columns, every cell text."""
    rows = []
    for call in calls:
        tokens = "–"
        if call.get("prompt_tokens") is not None or call.get("completion_tokens") is not None:
            tokens = (f"{_cell(call.get('prompt_tokens'))} / {_cell(call.get('completion_tokens'))}"
                      + (" (estimated)" if call.get("tokens_estimated") else ""))
        model = " · ".join(str(part) for part in (call.get("backend"), call.get("model")) if part)
        notes = [str(n) for n in (call.get("warning"),
                                  call.get("fallback") and f"then: {call['fallback']}") if n]
        rows.append({
            "task": _cell(call.get("task")),
            "model": _cell(model) + (" (SIMULATED)" if call.get("simulated") else ""),
            "time (ms)": _cell(call.get("duration_ms")),
            "first token (ms)": _cell(call.get("ttft_ms")),
            "tokens in/out": tokens,
            "cached": _cell(bool(call.get("cached"))),
            "error": _cell(call.get("error")),
            "note": _cell("; ".join(notes)),
        })
    return pd.DataFrame(rows)


def timing_line(timing: dict) -> str:
    """The timing as one line: what a person waited for, and on which clock."""
    simulated = " · SIMULATED latency" if timing.get("simulated") else ""
    return (f"First visible {ms(timing.get('ttfc_ms'))} · cards {ms(timing.get('products_ms'))} · "
            f"total {ms(timing.get('total_ms'))} · {escape_markdown(timing.get('backend'))}"
            f"{simulated} — {CLOCK}")


def timing_details(timing: dict, domain_ms: float | None = None, explain: bool = True) -> None:
    simulated = " · SIMULATED latency" if timing.get("simulated") else ""
    st.altair_chart(waterfall(timing["spans"], timing.get("ttfc_ms"),
                              f"{timing.get('mode', '')} · {timing.get('backend', '')}{simulated}",
                              domain_ms), width="stretch")
    if explain:
        st.caption(f"Red line: the first visible event. Times {CLOCK}; the browser's own clock "
                   "is not measured here.")
    if timing.get("speculation"):
        st.caption(f"Speculative search: {escape_markdown(timing['speculation'])}")
    for fallback in timing.get("fallbacks", []):
        st.caption(f"Fallback: {escape_markdown(fallback)}")
    if timing.get("calls"):
        st.dataframe(calls_table(timing["calls"]), hide_index=True)
    else:
        st.caption("No model calls: rules and templates answered.")


def timing_panel(timing: dict, key: str) -> None:
    """Collapsed to one line; the waterfall and the table are drawn only when opened, so a long
    history stays cheap to redraw on every rerun."""
    panel = st.expander(timing_line(timing), key=key, on_change="rerun")
    if panel.open:
        with panel:
            timing_details(timing)


def text_html(text: str) -> str:
    """A message or an answer as plain text: inside an HTML block Markdown builds nothing (a
    bare URL in st.markdown's own text would still become a live link)."""
    return f"<div class='tk-answer'>{escape(text)}</div>"


def show_turn(turn: dict, index: int, latest: bool) -> None:
    with st.chat_message("assistant"):
        st.caption(f"decision: **{turn['decision']}**" + (
            f" · revised from {turn['revised_from']}" if turn.get("revised_from") else ""))
        if turn["products"]:
            st.markdown(cards_html(turn["products"], turn.get("language", "et"), style=False),
                        unsafe_allow_html=True)
        st.markdown(text_html(turn["text"]), unsafe_allow_html=True)
        for error in turn.get("errors", []):
            st.error(escape_markdown(error))
        if turn["suggestions"]:
            columns = st.columns(len(turn["suggestions"]))
            for column, item in zip(columns, turn["suggestions"], strict=True):
                column.button(item, key=f"suggest-{index}-{item}", disabled=not latest,
                              on_click=lambda item=item: st.session_state.update(pending=item))
        if turn.get("timing"):
            timing_panel(turn["timing"], key=f"timing-{index}")


async def run_turn(assistant: Assistant, message: str, conversation: str) -> dict:
    """Render one turn live into placeholders; return it for the history."""
    decision = st.empty()
    cards_slot = st.empty()
    answer_slot = st.empty()
    turn = {"decision": "…", "products": [], "text": "", "suggestions": [], "errors": [],
            "language": "et"}
    async for event in assistant.stream(message, conversation):
        if event.type == "intent":
            turn["decision"], turn["revised_from"] = event.decision, event.revised_from
            decision.caption(f"decision: **{event.decision}**")
            if event.revised_from:
                cards_slot.empty()
        elif event.type == "skeleton":
            cards_slot.markdown(skeleton_html(event.count), unsafe_allow_html=True)
        elif event.type == "products":
            turn["products"] = event.products
            turn["language"] = event.metadata.context.language
            cards_slot.markdown(cards_html(event.products, turn["language"], style=False),
                                unsafe_allow_html=True)
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


COMPARE_TURNS = (("warm-up", "sequential"), ("warm-up", "parallel"),
                 ("measured", "sequential"), ("measured", "parallel"))


def compare_page() -> None:
    options = st.session_state["options"]
    st.title("Sequential against parallel")
    st.caption("One message through both orchestrators, measured. With the offline backend both "
               "are fast; pick the simulated backend in the sidebar to see what a slow model does.")
    message = st.text_input("Message", "krimiromaanid alla 20 euro", key="compare_message")
    if st.button("Run both", key="compare_run"):
        assistant = options["assistant"]
        results: dict[str, dict] = {}
        with st.status("Running four turns…", expanded=False) as status:
            bar = st.progress(0.0)
            try:
                # One unmeasured turn each first, so neither mode pays the other's cold start
                # (the row cache, the first query plans); then the measured pair.
                for number, (phase, mode) in enumerate(COMPARE_TURNS, 1):
                    status.update(label=f"Turn {number} of {len(COMPARE_TURNS)}: {phase}, {mode}…")
                    conversation = f"compare-{mode}-{uuid.uuid4().hex[:8]}"
                    result = asyncio.run(assistant.stream(message, conversation, mode=mode).result())
                    results[mode] = result.timing.model_dump(mode="json")
                    bar.progress(number / len(COMPARE_TURNS))
            except Exception as e:
                status.update(label="The comparison failed", state="error")
                st.error(escape_markdown(f"{type(e).__name__}: {e}") if options["debug"]
                         else FRIENDLY_ERROR)
                return
            status.update(label="Four turns: one warm-up and one measured per mode",
                          state="complete")
        st.session_state["compare_result"] = {"message": message, "timings": results}
    shown = st.session_state.get("compare_result")
    if shown:
        show_comparison(shown["message"], shown["timings"])


def show_comparison(message: str, timings: dict[str, dict]) -> None:
    st.caption(f"Message: {escape_markdown(message)} · after one warm-up turn per mode · both "
               f"charts on one time scale, the red line the first visible event · times {CLOCK}"
               "; the browser's own clock is not measured here.")
    domain = max(t["total_ms"] for t in timings.values())  # both charts on one time scale
    left, right = st.columns(2)
    for column, mode in ((left, "sequential"), (right, "parallel")):
        timing = timings[mode]
        with column:
            st.subheader(mode)
            first, cards, total = st.columns(3)
            first.metric("first visible", ms(timing.get("ttfc_ms")))
            cards.metric("cards", ms(timing.get("products_ms")))
            total.metric("total", ms(timing.get("total_ms")))
            timing_details(timing, domain_ms=domain, explain=False)
    seq, par = timings["sequential"], timings["parallel"]
    ratios = {"first visible": (seq.get("ttfc_ms"), par.get("ttfc_ms")),
              "cards": (seq.get("products_ms"), par.get("products_ms")),
              "total": (seq.get("total_ms"), par.get("total_ms"))}
    st.markdown("**sequential ÷ parallel:** " + " · ".join(
        f"{name} {a / b:.2f}x" for name, (a, b) in ratios.items() if a and b))


def module_card(module: Module) -> None:
    with st.container(border=True):
        st.markdown(f"**{module.number}. {escape_markdown(module.title)}** · "
                    f"{module.estimated_hours:g} h")
        st.caption(" · ".join(escape_markdown(t) for t in module.topics))
        if module.fallback:
            st.caption(f"⚠ {escape_markdown(module.fallback)}")


def syllabus_extras(result: dict) -> None:
    """The timing and the download, under the modules."""
    timing = result.get("timing")
    if timing is not None:
        simulated = " · SIMULATED latency" if timing.simulated else ""
        spans = [s.model_dump() for s in timing.spans if s.name != "modules"]
        st.altair_chart(waterfall(spans, None, f"{timing.mode} · concurrency {timing.concurrency}"
                                               f" · {timing.backend}{simulated}"),
                        width="stretch")
        st.dataframe(calls_table([c.model_dump() for c in timing.calls]), hide_index=True)
    syllabus = result.get("syllabus")
    if isinstance(syllabus, Syllabus):
        if syllabus.partial:
            st.warning(f"Partial: modules {sorted(syllabus.failed)} failed; the rest are kept.")
        stand_ins = [m.number for m in syllabus.modules if m.fallback]
        if stand_ins:
            st.caption(f"Modules {', '.join(map(str, stand_ins))} were written from the offline "
                       "template (marked ⚠).")
        # A download needs no rerun; and a rerun for any other reason redraws the result.
        st.download_button("Download Markdown", syllabus.to_markdown(), file_name="syllabus.md",
                           mime="text/markdown", key="syllabus_download", on_click="ignore")


def show_syllabus(result: dict) -> None:
    """The last syllabus from the session's state, as it was drawn live."""
    if result.get("title"):
        st.subheader(escape_markdown(result["title"]))
    for module in sorted(result.get("modules", {}).values(), key=lambda m: m.number):
        module_card(module)
    for error in result.get("errors", []):
        st.error(escape_markdown(error))
    syllabus_extras(result)


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
        if (last := st.session_state.get("syllabus_result")) is not None:
            show_syllabus(last)  # a rerun (a download, a changed setting) keeps the result
        return
    st.session_state.pop("syllabus_result", None)
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
    slots: dict[int, Any] = {}  # one per module, in outline order, filled as each completes
    result: dict[str, Any] = {"modules": {}, "errors": []}

    async def consume() -> None:
        async for event in generator.run(request):
            if event.type == "outline":
                result["title"] = event.title
                title_slot.subheader(escape_markdown(event.title))
                with modules_area:
                    for module in event.modules:
                        slots[module.number] = st.empty()
                        slots[module.number].caption(
                            f"{module.number}. {escape_markdown(module.title)} — writing…")
            elif event.type == "module":
                slot = slots.get(event.number) or modules_area.empty()
                if event.module is None:
                    message = f"Module {event.number} failed: {event.error}"
                    result["errors"].append(message)
                    slot.error(escape_markdown(message))
                else:
                    result["modules"][event.number] = event.module
                    with slot.container():
                        module_card(event.module)
            elif event.type == "progress":
                progress.progress((event.done + event.failed) / event.total,
                                  text=f"{event.done} of {plural(event.total, 'module')}"
                                       + (f", {event.failed} failed" if event.failed else ""))
            elif event.type == "error":
                result["errors"].append(event.message)
                st.error(escape_markdown(event.message))
            elif event.type == "timing":
                result["timing"] = event
            elif event.type == "done":
                result["syllabus"] = event.syllabus

    try:
        asyncio.run(consume())
    except Exception as e:
        st.error(escape_markdown(f"{type(e).__name__}: {e}") if options["debug"]
                 else FRIENDLY_ERROR)
        return
    st.session_state["syllabus_result"] = result
    syllabus_extras(result)


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
    st.html(STYLE)  # the cards' style sheet, once a page: what every rerun redraws stays small
    wanted = st.session_state.pop("page", None)  # a page asked for by name (AppTest uses it)
    if wanted in pages and pages[wanted].url_path != current.url_path:
        st.switch_page(pages[wanted])
    current.run()


main()
