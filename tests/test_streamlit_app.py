"""The Streamlit front driven by AppTest: chat with memory follow-ups, compare, syllabus."""

from __future__ import annotations

import html

import pytest
from streamlit.testing.v1 import AppTest
from streamlit_pages import APP, page, start_app


@pytest.fixture
def app(tmp_path, monkeypatch) -> AppTest:
    return start_app(tmp_path, monkeypatch)


def markdown(app: AppTest) -> str:
    return "\n".join(m.value for m in app.markdown)


def last_turn(app: AppTest) -> dict:
    """The last assistant turn as the page drew it (the app keeps the drawn form)."""
    return [m for m in app.session_state["messages"] if m["role"] == "assistant"][-1]["turn"]


def test_chat_searches_and_remembers(app):
    app.chat_input[0].set_value("krimiromaanid alla 20 euro").run()
    assert not app.exception
    text = markdown(app)
    assert "tk-card" in text and "Kõik mahuvad eelarvesse" in text
    assert "decision: <b>search</b>" in text
    shown = {p.id for p in last_turn(app)["products"]}
    app.chat_input[0].set_value("näita veel").run()
    more = last_turn(app)
    assert more["products"] and not shown & {p.id for p in more["products"]}
    assert any(e.label.startswith("First visible") and "from message received" in e.label
               for e in app.expander)


def test_suggestion_buttons_send_the_suggestion(app):
    app.chat_input[0].set_value("fantaasia").run()
    button = next(b for b in app.button if b.label in ("Midagi odavamat", "Something cheaper"))
    button.click().run()
    assert not app.exception
    last = app.session_state["messages"][-2]
    assert last["role"] == "user" and last["content"] == button.label


def test_product_text_is_escaped_in_the_chat(app):
    app.chat_input[0].set_value("<script>alert(1)</script> luule").run()
    assert not app.exception
    assert "<script>alert(1)</script>" not in markdown(app)


def test_compare_page_shows_both_modes_and_the_ratio(app):
    page(app, "compare")
    app.button(key="compare_run").click().run()
    assert not app.exception
    assert [h.value for h in app.subheader] == ["sequential", "parallel"]
    assert "sequential ÷ parallel" in markdown(app)


def test_syllabus_page_writes_a_syllabus_with_a_download(app):
    page(app, "syllabus")
    app.text_input(key="syllabus_topic").set_value("astronomy")
    app.slider(key="syllabus_modules").set_value(4)
    app.button(key="syllabus_run").click().run()
    assert not app.exception
    assert len([c for c in app.markdown if c.value.startswith("**")]) >= 4
    assert app.get("download_button")


def test_syllabus_page_refuses_a_bad_topic_with_a_message(app):
    page(app, "syllabus")
    app.text_input(key="syllabus_topic").set_value("asdfghjkl")
    app.button(key="syllabus_run").click().run()
    assert not app.exception and "does not read as a subject" in html.unescape(app.error[0].value)


def test_sidebar_shows_the_backend_and_labels_simulation(app):
    app.selectbox(key="backend").set_value("simulated").run()
    assert not app.exception
    assert any("SIMULATED" in w.value for w in app.sidebar.warning)


def test_a_bad_setting_is_a_message_not_a_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("TOOLKIT_DB", str(tmp_path / "app.duckdb"))
    monkeypatch.setenv("SEARCH_TIMEOUT_MS", "abc")
    import streamlit as st
    st.cache_resource.clear()  # earlier tests in this process cached an assistant
    test = AppTest.from_file(APP, default_timeout=60)
    test.run()
    assert not test.exception
    assert any("SEARCH_TIMEOUT_MS" in html.unescape(e.value) for e in test.error)


def charts(app: AppTest) -> list[dict]:
    import json

    return [json.loads(c.proto.spec) for c in app.get("vega_lite_chart")]


def test_timing_is_one_line_until_opened(app):
    app.chat_input[0].set_value("krimiromaanid alla 20 euro").run()
    [panel] = app.expander
    for part in ("First visible", "cards", "total", "offline",
                 "measured in the assistant, from message received"):
        assert part in panel.label
    assert not panel.proto.expanded and charts(app) == []  # nothing drawn while closed
    app.session_state["timing-1"] = True  # what opening it in the browser does
    app.run()
    assert not app.exception
    [chart] = charts(app)
    assert chart["height"] == {"step": 30}  # a row per step: labels never overlap


def test_the_timing_table_names_its_columns_and_shows_no_none(app):
    app.selectbox(key="backend").set_value("simulated").run()
    app.select_slider[0].set_value(0.05).run()
    app.chat_input[0].set_value("krimiromaanid alla 20 euro").run()
    assert not app.exception
    app.session_state["timing-1"] = True
    app.run()
    [table] = app.dataframe
    frame = table.value
    assert list(frame.columns) == ["task", "model", "time (ms)", "first token (ms)",
                                   "tokens in/out", "cached", "error", "note"]
    cells = [str(v) for v in frame.to_numpy().ravel()]
    assert cells and not any(v in ("None", "nan", "NaN", "") for v in cells)
    assert "–" in cells and all("SIMULATED" in m for m in frame["model"])


def test_compare_page_draws_both_charts_on_one_time_scale_with_progress(app):
    page(app, "compare")
    app.button(key="compare_run").click().run()
    assert not app.exception
    domains = [layer["encoding"]["x"]["scale"]["domain"] for spec in charts(app)
               for layer in spec["layer"]]
    assert len(domains) == 4 and all(d == domains[0] for d in domains)
    timings = app.session_state["compare_result"]["timings"]
    assert domains[0][1] == max(t["total_ms"] for t in timings.values())
    [status] = app.status  # it showed each turn while they ran; now it says they are done
    assert "Four turns" in status.label and status.icon == ":material/check:"


def test_the_syllabus_stays_on_the_page_after_a_rerun(app):
    page(app, "syllabus")
    app.text_input(key="syllabus_topic").set_value("astronomy")
    app.slider(key="syllabus_modules").set_value(4)
    app.button(key="syllabus_run").click().run()
    before = [m.value for m in app.markdown if m.value.startswith("**")]
    assert len(before) == 4
    app.run()  # what clicking "Download Markdown" did: a rerun, the run button not pressed
    assert not app.exception
    assert [m.value for m in app.markdown if m.value.startswith("**")] == before
    assert app.get("download_button") and "Astronomy" in app.subheader[0].value
    app.slider(key="syllabus_modules").set_value(6).run()  # any other rerun keeps it too
    assert [m.value for m in app.markdown if m.value.startswith("**")] == before


def test_syllabus_modules_from_the_offline_template_are_marked(tmp_path, monkeypatch):
    import json

    import streamlit as st
    from fake_servers import Reply, fake_ollama

    outline = {"title": "Chemistry", "audience": "beginners",
               "modules": [{"title": f"Part {i} *bold*", "scope": "s"} for i in range(1, 4)]}
    module = {"objectives": ["o"], "topics": ["t"], "activities": ["a"], "assessment": "quiz",
              "estimated_hours": 3}
    with fake_ollama(models=["qwen2:1.5b"]) as server:
        server.script(Reply(text=json.dumps(outline), when="Plan a course"),
                      Reply(text=json.dumps(module), when="Write module 1,"),
                      Reply(text=json.dumps(module), when="Write module 3,"),
                      Reply(status=500))
        monkeypatch.setenv("TOOLKIT_DB", str(tmp_path / "app.duckdb"))
        monkeypatch.setenv("TOOLKIT_BACKEND", "ollama")
        monkeypatch.setenv("OLLAMA_HOST", server.url)
        monkeypatch.setenv("OLLAMA_MODEL", "qwen2:1.5b")
        monkeypatch.setenv("MODEL_MAX_RETRIES", "0")
        st.cache_resource.clear()
        test = AppTest.from_file(APP, default_timeout=60)
        test.run()
        page(test, "syllabus")
        test.text_input(key="syllabus_topic").set_value("chemistry")
        test.slider(key="syllabus_modules").set_value(3)
        test.button(key="syllabus_run").click().run()
        assert not test.exception
        marked = [c.value for c in test.caption if c.value.startswith("⚠")]
        assert len(marked) == 1 and "offline template" in html.unescape(marked[0])
        test.run()
        assert [c.value for c in test.caption if c.value.startswith("⚠")] == marked
    st.cache_resource.clear()


def test_no_deprecation_warning_is_logged(app, caplog):
    import logging
    import warnings

    with caplog.at_level(logging.DEBUG), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        app.chat_input[0].set_value("krimiromaanid alla 20 euro").run()
        app.session_state["timing-1"] = True
        app.run()
        page(app, "compare").button(key="compare_run").click().run()
        page(app, "syllabus").button(key="syllabus_run").click().run()
        app.run()
    assert not app.exception
    # Streamlit logs them from its deprecation module, not always with the word in them
    # ("Please replace `use_container_width` with `width`").
    logged = [r.getMessage() for r in caplog.records
              if "deprecat" in f"{r.name} {r.getMessage()}".lower()]
    assert logged == []
    assert [str(w.message) for w in caught if "deprecat" in str(w.message).lower()] == []


def test_new_conversation_forgets_the_history_and_stop_is_off_when_nothing_runs(app):
    assert app.button(key="stop").disabled  # nothing is being written
    app.chat_input[0].set_value("krimiromaanid alla 20 euro").run()
    first = app.session_state["conversation"]
    assert last_turn(app)["products"] and app.button(key="stop").disabled  # ended
    app.button(key="new").click().run()
    assert not app.exception
    assert app.session_state["messages"] == [] and app.session_state["conversation"] != first
    assert "tk-card" not in markdown(app)
