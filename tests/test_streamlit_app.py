"""The Streamlit front driven by AppTest: chat with memory follow-ups, compare, syllabus."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")


@pytest.fixture
def app(tmp_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("TOOLKIT_DB", str(tmp_path / "app.duckdb"))
    test = AppTest.from_file(APP, default_timeout=60)
    test.run()
    assert not test.exception, test.exception
    return test


def page(app: AppTest, name: str) -> AppTest:
    app.session_state["page"] = name
    app.run()
    assert not app.exception, app.exception
    return app


def markdown(app: AppTest) -> str:
    return "\n".join(m.value for m in app.markdown)


def test_chat_searches_and_remembers(app):
    app.chat_input[0].set_value("krimiromaanid alla 20 euro").run()
    assert not app.exception
    text = markdown(app)
    assert "tk-card" in text and "Kõik mahuvad eelarvesse" in text
    assert any("decision: **search**" in c.value for c in app.caption)
    first = [m for m in app.session_state["messages"] if m["role"] == "assistant"][-1]
    shown = {p.id for p in first["products"]}
    app.chat_input[0].set_value("näita veel").run()
    more = [m for m in app.session_state["messages"] if m["role"] == "assistant"][-1]
    assert more["products"] and not shown & {p.id for p in more["products"]}
    assert any("Timing" in e.label for e in app.expander)


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
