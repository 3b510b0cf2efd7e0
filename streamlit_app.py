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
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from toolkit.assistant import Assistant
from toolkit.assistant.background import BackgroundTurns, LiveTurn
from toolkit.core.errors import ToolkitError
from toolkit.core.settings import AssistantSettings, ModelSettings, default_db_path
from toolkit.llm import PROFILES, select_backend
from toolkit.shop.catalog import Catalog, CatalogSummary, summarize
from toolkit.shop.uploads import UPLOAD_SUFFIXES, import_upload, uploaded_catalogs, uploads_folder
from toolkit.syllabus import Module, Syllabus, SyllabusGenerator, SyllabusRequest
from toolkit.views.html import (
    STYLE,
    cards_html,
    escape,
    escape_markdown,
    ms,
    skeleton_html,
    status_html,
)

st.set_page_config(page_title="Raamatu- ja kingipoe abiline", page_icon="📚", layout="wide")

BACKENDS = ["offline", "auto", "simulated", "ollama", "groq", "openai"]
FRIENDLY_ERROR = "Something went wrong on our side; please try again. (Vabandust, tekkis viga.)"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


@st.cache_resource(show_spinner="Opening the catalog…")
def open_catalog(path: str | None = None) -> Catalog:
    return Catalog.open(path)  # None: $TOOLKIT_DB, else the default location


@st.cache_resource(show_spinner="Preparing the assistant…")
def open_assistant(backend: str, model: str, profile: str, time_scale: float,
                   debug: bool, catalog: str | None = None) -> Assistant:
    settings = _model_settings(backend, model, profile, time_scale)
    selection = asyncio.run(select_backend(backend, settings))
    return Assistant(open_catalog(catalog), selection=selection, model_settings=settings,
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
        model = st.sidebar.text_input("Ollama model", env.ollama_model, key="model_ollama")
    elif backend == "groq":
        model = st.sidebar.text_input("Groq model", env.groq_model, key="model_groq")
    elif backend == "openai":
        model = st.sidebar.text_input("Model (OpenAI-compatible server)", env.openai_model or "",
                                      key="model_openai")
    profiles = list(PROFILES)
    profile = st.sidebar.selectbox("Latency profile (simulated)", profiles, key="profile",
                                   index=profiles.index(env.simulated_profile)
                                   if env.simulated_profile in profiles else 0,
                                   disabled=backend != "simulated")
    scales = sorted({0.05, 0.1, 0.25, 0.5, 1.0, env.time_scale})
    time_scale = st.sidebar.select_slider("Simulated time scale", scales, value=env.time_scale,
                                          key="time_scale",
                                          disabled=backend != "simulated",
                                          help="1.0 is the profile's real time")
    language = st.sidebar.selectbox("Language", ["auto", "et", "en"], key="language",
                                    help="the syllabus's language; chat answers follow each message")
    debug = st.sidebar.checkbox("Debug (error details, model calls)", key="debug")
    try:
        assistant = open_assistant(backend, model, profile, time_scale, debug, session_catalog())
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
    ratios = (f" · total/critical path {timing['overhead_ratio']:.2f}, total/sum of spans "
              f"{timing['parallel_ratio']:.2f}" if timing.get("overhead_ratio")
              and timing.get("parallel_ratio") else "")
    return (f"First visible {ms(timing.get('ttfc_ms'))} · cards {ms(timing.get('products_ms'))} · "
            f"total {ms(timing.get('total_ms'))}{ratios} · {escape_markdown(timing.get('backend'))}"
            f"{simulated} — {CLOCK}")


def timing_details(timing: dict, domain_ms: float | None = None, explain: bool = True) -> None:
    simulated = " · SIMULATED latency" if timing.get("simulated") else ""
    st.altair_chart(waterfall(timing["spans"], timing.get("ttfc_ms"),
                              f"{timing.get('mode', '')} · {timing.get('backend', '')}{simulated}",
                              domain_ms), width="stretch")
    if explain:
        st.caption(f"Red line: the first visible event. Times {CLOCK}; the browser's own clock "
                   "is not measured here.")
    if timing.get("critical_path_ms") is not None:
        st.caption(
            f"Critical path {ms(timing['critical_path_ms'])}: "
            f"{escape_markdown(' → '.join(timing.get('critical_path', [])))}. Total / critical "
            f"path {timing.get('overhead_ratio') or 0:.2f} (the orchestrator's own overhead); "
            f"total / sum of spans {timing.get('parallel_ratio') or 0:.2f} (below 1: steps ran "
            "side by side).")
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


@st.cache_resource
def background_turns() -> BackgroundTurns:
    """One event loop for the process, on which every session's turns run: a turn outlives the
    script run that started it (a rerun stops the script, not the turn)."""
    return BackgroundTurns()


WELCOME = ("Tere! Küsi eesti või inglise keeles: „krimiromaanid alla 20 euro“, „kingitus emale "
           "sünnipäevaks“, siis „näita veel“, „midagi odavamat“, „tema teosed“… / Hello! Ask in "
           "Estonian or English: “a birthday gift for my mother”, then “show me more”, "
           "“something cheaper”…")
READING = "Loen sõnumit… / Reading your message…"
QUEUED = "Ootab eelmise vastuse lõppu… / Waiting for the answer above to finish…"
SEARCHING = "Otsin… / Searching…"
WRITING = "Kirjutan… / Writing…"
STOPPED = "Stopped (peatatud): what was shown stays."


def fold(live: LiveTurn, debug: bool) -> dict:
    """A turn's events so far, as what the page draws."""
    turn: dict[str, Any] = {"decision": None, "revised_from": None, "products": [],
                            "language": "et", "text": "", "suggestions": [], "errors": [],
                            "skeleton": 0, "timing": None, "state": live.state}
    for event in live.events:
        if event.type == "intent":
            turn["decision"], turn["revised_from"] = event.decision, event.revised_from
            if event.revised_from:  # the speculation was replaced: its cards go
                turn["products"], turn["skeleton"] = [], 0
        elif event.type == "skeleton":
            turn["skeleton"] = event.count
        elif event.type == "products":
            turn["products"] = event.products
            turn["language"] = event.metadata.context.language
        elif event.type == "text":
            turn["text"] += event.delta
        elif event.type == "suggestions":
            turn["suggestions"] = event.items
        elif event.type == "error":
            turn["errors"].append(event.message)
        elif event.type == "timing":
            turn["timing"] = event.model_dump(mode="json")
    if live.state == "failed":
        error = live.error
        turn["errors"].append(f"{type(error).__name__}: {error}" if debug else FRIENDLY_ERROR)
    return turn


def turn_html(turn: dict, waiting: str) -> str:
    """One HTML block for a turn's decision, cards and text: one element to redraw, not five."""
    parts = []
    if turn["decision"]:
        revised = f" · revised from {escape(turn['revised_from'])}" if turn["revised_from"] else ""
        parts.append(f"<div class='tk-meta'>decision: <b>{escape(turn['decision'])}</b>{revised}</div>")
    if turn["products"]:
        parts.append(cards_html(turn["products"], turn["language"], style=False))
    elif turn["skeleton"] and turn["state"] in ("queued", "running"):
        parts.append(skeleton_html(turn["skeleton"]))
    if turn["text"]:
        parts.append(text_html(turn["text"]))
    if turn["state"] in ("queued", "running") and not turn["text"]:
        if not turn["decision"]:
            parts.append(status_html(waiting))  # the model reads the message
        elif turn["decision"] == "search" and not turn["products"]:
            parts.append(status_html(SEARCHING))
        else:
            parts.append(status_html(WRITING))
    elif turn["state"] == "stopped":
        parts.append(f"<div class='tk-meta'>{escape(STOPPED)}</div>")
    return "".join(parts)


def show_turn(turn: dict, index: int, latest: bool) -> None:
    """A finished turn: its block, errors, suggestions and the timing line."""
    st.markdown(turn_html(turn, READING), unsafe_allow_html=True)
    for error in turn["errors"]:
        st.error(escape_markdown(error))
    if turn["suggestions"] and latest:
        columns = st.columns(len(turn["suggestions"]))
        for column, item in zip(columns, turn["suggestions"], strict=True):
            column.button(item, key=f"suggest-{index}-{item}",
                          on_click=lambda item=item: st.session_state.update(pending=item))
    if turn["timing"]:
        timing_panel(turn["timing"], key=f"timing-{index}")


def follow(live_turns: list[tuple[int, LiveTurn, Any]], debug: bool) -> None:
    """Redraw the running turns as their events come, until every one has ended. A rerun (a
    new message, Stop) ends this loop, not the turns: the next run picks them up again."""
    seen = {index: -1 for index, _, _ in live_turns}
    while True:
        running = [(i, live, slot) for i, live, slot in live_turns if seen[i] is not None]
        if not running:
            return
        for position, (index, live, slot) in enumerate(running):
            finished, count = live.finished, len(live.events)
            if count == seen[index] and not finished:
                continue
            waiting = QUEUED if any(not other.finished for _, other, _ in running[:position]) \
                else READING
            slot.markdown(turn_html(fold(live, debug), waiting), unsafe_allow_html=True)
            seen[index] = None if finished else count
        pending = next(((i, live) for i, live, _ in running if seen[i] is not None), None)
        if pending is not None:
            pending[1].wait_for(max(seen[pending[0]] or 0, 0), 0.05)


def stop_turns() -> None:
    for entry in st.session_state.get("messages", []):
        if entry["role"] == "assistant" and entry["live"] is not None:
            entry["live"].stop()


def new_conversation() -> None:
    stop_turns()
    st.session_state["messages"] = []
    st.session_state["conversation"] = f"web-{uuid.uuid4().hex[:12]}"


def chat_page() -> None:
    """The conversation. The message is read and its turn started first (st.chat_input stays
    docked at the bottom wherever it is called), so the work begins before the page is drawn."""
    options = st.session_state["options"]
    st.session_state.setdefault("conversation", f"web-{uuid.uuid4().hex[:12]}")
    history: list[dict] = st.session_state.setdefault("messages", [])
    typed = st.chat_input("Kirjuta siia… / Type here…", key="chat_message")
    message = typed or st.session_state.pop("pending", None)
    if message:  # its turn starts once its status is on screen (below)
        history += [{"role": "user", "content": message}, {"role": "assistant", "live": None}]
    st.title("Raamatu- ja kingipoe abiline")
    # The greeting is a chat message from the first page load on: the browser then has the
    # chat components loaded before the first turn, whose status would otherwise wait ~1 s
    # for them (measured in Chromium).
    with st.chat_message("assistant"):
        st.markdown(f"<div class='tk-answer tk-welcome'>{escape(WELCOME)}</div>",
                    unsafe_allow_html=True)
    busy = any(e["role"] == "assistant" and (e["live"] is None or not e["live"].finished)
               for e in history)
    left, right, _ = st.columns([1, 1, 4])
    left.button("Stop", key="stop", on_click=stop_turns, disabled=not busy,
                help="Stop the answer being written; what it showed stays")
    right.button("New conversation", key="new", on_click=new_conversation,
                 help="Forget this conversation and start again")
    # A slot per message, filled newest first: the new message and its status go out before
    # the older turns are redrawn (those stay on screen meanwhile), so the wait shows at once
    # however long the conversation is.
    slots = [st.container() for _ in history]
    live_turns = []
    for i in reversed(range(len(history))):
        entry = history[i]
        with slots[i]:
            if entry["role"] == "user":
                with st.chat_message("user"):
                    st.markdown(text_html(entry["content"]), unsafe_allow_html=True)
                continue
            with st.chat_message("assistant"):
                live = entry["live"]
                if live is None:  # the new message: the status first, then the work
                    slot = st.empty()
                    slot.markdown(status_html(READING), unsafe_allow_html=True)
                    live = entry["live"] = background_turns().start(
                        options["assistant"], history[i - 1]["content"],
                        st.session_state["conversation"])
                    live_turns.insert(0, (i, live, slot))
                elif live.finished:
                    entry.setdefault("turn", fold(live, options["debug"]))
                    show_turn(entry["turn"], i, latest=i == len(history) - 1)
                else:
                    slot = st.empty()
                    slot.markdown(status_html(READING), unsafe_allow_html=True)
                    live_turns.insert(0, (i, live, slot))
    if live_turns:
        follow(live_turns, options["debug"])
        st.rerun()  # draw the ended turns whole: suggestions, timing, the Stop button off


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
    concurrency = c3.number_input(
        "Concurrency", 1, 20, 3, key="syllabus_concurrency", disabled=mode == "sequential",
        help="Module calls at once. Match it to the requests your model server runs at once "
             "(Ollama: OLLAMA_NUM_PARALLEL, often 1): past that, the extra calls queue or "
             "share the server's speed, the syllabus comes no sooner and late calls may time "
             "out. Groq and large servers: up to the number of modules.")
    c3.caption("Use your server's capacity: 1 slot → 1, 2 → 2, 4 → 4 "
               "(benchmarks/syllabus_latency.py, simulated)")
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


CATALOG_KEY = "catalog_path"  # the catalog file this session chose; absent: the default one
PREVIEW_COLUMNS = ["id", "title", "author", "price", "product_type", "category", "language"]


def session_catalog() -> str | None:
    """The catalog this browser session uses: the file chosen on the catalog page, or None
    for the default ($TOOLKIT_DB). Kept per session, not per process: one visitor's switch
    must not change the catalog under another's conversation. `open_catalog` is cached by
    path, so each file is opened once per process and shared by the sessions that chose it;
    a switch clears no cache and closes nothing a running turn may hold, and a re-import of
    the same file (`catalog import FILE --db PATH`) is picked up by the Catalog itself."""
    chosen: str | None = st.session_state.get(CATALOG_KEY)
    if chosen is None:
        return None
    # A file removed or damaged since it was chosen sends the session back to the default, so
    # the page to choose another stays reachable (a missing path would be made anew).
    problem = None if Path(chosen).is_file() else "it is gone"
    if problem is None:
        try:
            open_catalog(chosen).refresh()  # cached: refresh sees a file replaced since
        except ToolkitError as e:
            problem = str(e)
    if problem is not None:
        st.session_state.pop(CATALOG_KEY)
        st.sidebar.warning(f"The catalog {escape_markdown(Path(chosen).name)} cannot be used "
                           f"({escape_markdown(problem)}): back to the default catalog.")
        return None
    st.sidebar.caption(f"**Catalog:** {escape_markdown(Path(chosen).name)} (this session)")
    return chosen


def use_catalog(path: str | None) -> None:
    """Switch this session to `path` (None: the default catalog). The conversation starts
    anew: its cards and memory name products of the other catalog."""
    if path is None:
        st.session_state.pop(CATALOG_KEY, None)
    else:
        st.session_state[CATALOG_KEY] = path
    new_conversation()  # running turns stop; the next ones use the chosen catalog


def refusal_markdown(error: ToolkitError) -> str:
    """A refusal line by line (its problems each on their own line), every line escaped."""
    return "  \n".join(escape_markdown(line.strip()) for line in str(error).splitlines())


def show_catalog_summary(summary: CatalogSummary) -> None:
    """The preview: counts, the languages and categories, and the first products as text."""
    products, languages, categories = st.columns(3)
    products.metric("products", f"{summary.products:,}")
    languages.metric("languages", len(summary.languages))
    categories.metric("categories", len(summary.categories))
    for label, counts in (("Languages", summary.languages), ("Categories", summary.categories)):
        shown = list(counts.items())[:12]
        more = f" · and {len(counts) - len(shown)} more" if len(counts) > len(shown) else ""
        st.caption(f"{label}: " + " · ".join(f"{escape_markdown(name)} {count:,}"
                                             for name, count in shown) + more)
    if summary.first_rows:
        st.caption(f"The first {plural(len(summary.first_rows), 'product')}, as the file has them:")
        st.dataframe(pd.DataFrame(summary.first_rows)[PREVIEW_COLUMNS], hide_index=True)


def import_upload_once(upload: Any) -> None:
    """Import an uploaded file the first time the page sees it; keep the outcome (the new
    catalog's file, or the refusal) for the reruns that follow."""
    if st.session_state.get("catalog_upload_id") == upload.file_id:
        return
    st.session_state["catalog_upload_id"] = upload.file_id
    limit = int(st.get_option("server.maxUploadSize")) * 2**20  # Streamlit's own upload limit
    with st.spinner(f"Importing {escape_markdown(upload.name)}…"):
        try:
            uploaded = import_upload(upload.name, upload.getvalue(),
                                     uploads_folder(default_db_path()), max_bytes=limit)
        except ToolkitError as e:  # a refusal, said as the CLI says it
            st.session_state["catalog_import"] = {"error": refusal_markdown(e)}
            return
        except Exception as e:  # a full disk, say: a message, never a traceback
            detail = f"{type(e).__name__}: {e}" if st.session_state["options"]["debug"] \
                else FRIENDLY_ERROR
            st.session_state["catalog_import"] = {"error": escape_markdown(detail)}
            return
    st.session_state["catalog_import"] = {"uploaded": uploaded}


def show_upload_outcome(outcome: dict[str, Any], in_use: str | None) -> None:
    if "error" in outcome:
        st.error(outcome["error"])
        return
    uploaded = outcome["uploaded"]
    report = uploaded.report
    st.success(f"Imported {plural(report.rows, 'product')} from {escape_markdown(report.path)} "
               f"in {report.seconds:.1f} s into a new catalog of its own.")
    if report.encoding:
        st.caption(f"Read as {escape_markdown(report.encoding)} text, fields separated by "
                   f"{escape_markdown(repr(report.delimiter))}.")
    for warning in uploaded.warnings:
        st.warning(escape_markdown(warning))
    try:
        show_catalog_summary(summarize(open_catalog(str(uploaded.path))))
    except ToolkitError as e:  # the new file was removed or damaged since
        st.error(refusal_markdown(e))
        return
    if str(uploaded.path) == in_use:
        st.caption("This session uses this catalog.")
    else:
        st.button("Use this catalog", key="catalog_use", type="primary",
                  on_click=use_catalog, args=(str(uploaded.path),),
                  help="in this browser session; the conversation starts anew")


def catalog_page() -> None:
    """Upload a CSV or Parquet file, see it refused as the CLI would or previewed, and switch
    this session to it and back. An upload becomes a new file in the uploads folder beside the
    default catalog; the default catalog and whatever other sessions, the CLI and notebooks
    have open are never written."""
    st.title("Catalog")
    in_use = st.session_state.get(CATALOG_KEY)
    folder = uploads_folder(default_db_path())
    st.caption("A CSV or Parquet file with the columns **id**, **title** and **price**, and any "
               "of author, description, product_type, category, language, age_min, age_max, "
               "in_popular_list, image_url. CSV may be UTF-8, UTF-16 or a Baltic or Western "
               "code page, separated by commas, semicolons or tabs; prices as shops write them. "
               f"Each upload becomes a new catalog in {escape_markdown(folder)}; switching "
               "changes this browser session only.")
    upload = st.file_uploader(
        "CSV or Parquet file", type=[suffix.lstrip(".") for suffix in UPLOAD_SUFFIXES],
        key="catalog_upload",
        help=f"At most {st.get_option('server.maxUploadSize')} MB here; the CLI has no limit: "
             "python -m toolkit catalog import FILE --db PATH")
    if upload is None:
        st.session_state.pop("catalog_upload_id", None)
        st.session_state.pop("catalog_import", None)
    else:
        import_upload_once(upload)
        show_upload_outcome(st.session_state["catalog_import"], in_use)
    st.divider()
    st.subheader("In use in this session")
    try:
        summary = summarize(open_catalog(in_use))
    except ToolkitError as e:
        st.error(refusal_markdown(e))
        return
    st.caption(f"{escape_markdown(summary.source or 'the default catalog')} · imported "
               f"{escape_markdown(summary.imported_at or '–')} · {escape_markdown(summary.path)}")
    show_catalog_summary(summary)
    if in_use is not None:
        st.button("Back to the default catalog", key="catalog_default", on_click=use_catalog,
                  args=(None,), help="the conversation starts anew")
    earlier = [str(path) for path in uploaded_catalogs(folder) if str(path) != in_use]
    if earlier:
        chosen = st.selectbox("Earlier uploads", earlier, key="catalog_earlier",
                              format_func=lambda path: Path(path).name)
        st.button("Use the chosen upload", key="catalog_use_earlier", on_click=use_catalog,
                  args=(chosen,))


PAGES = {"chat": chat_page, "compare": compare_page, "syllabus": syllabus_page, "catalog": catalog_page}


def read_sidebar() -> bool:
    """The sidebar's settings into the session's options; False when the toolkit cannot start."""
    try:
        st.session_state["options"] = sidebar()
    except ToolkitError as e:
        st.error(f"The toolkit could not start: {escape_markdown(e)}")
        return False
    return True


# What the assistant is built from: a run started by one of these reads the sidebar first.
SIDEBAR_KEYS = ("backend", "model_ollama", "model_groq", "model_openai", "profile", "time_scale",
                "language", "debug", "catalog_path")


def main() -> None:
    # A run is started by one widget. A chat message reruns with the sidebar as it was, so the
    # assistant it chose last run is still the one its widgets describe: the page runs first
    # and the message's status goes out before the sidebar is redrawn (measured in Chromium:
    # the sidebar's widgets took most of the time from the key press to the status). Every
    # other run (the first, a sidebar widget, a catalog switch, a page) reads the sidebar first.
    state = st.session_state
    seen = {key: state.get(key) for key in SIDEBAR_KEYS}
    message_run = bool(state.get("chat_message") or state.get("pending"))
    sidebar_first = ("options" not in state or state.get("_sidebar_seen") != seen
                     or not message_run)
    if sidebar_first and not read_sidebar():
        return
    pages = {name: st.Page(function, title=name.capitalize(), url_path=name, default=name == "chat")
             for name, function in PAGES.items()}
    current = st.navigation(list(pages.values()))
    st.html(STYLE)  # the cards' style sheet, once a page: what every rerun redraws stays small
    wanted = state.pop("page", None)  # a page asked for by name (AppTest uses it)
    if wanted in pages and pages[wanted].url_path != current.url_path:
        st.switch_page(pages[wanted])
    current.run()
    if not sidebar_first:
        read_sidebar()
    state["_sidebar_seen"] = {key: state.get(key) for key in SIDEBAR_KEYS}

main()
