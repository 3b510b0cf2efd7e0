"""Syllabus runs against a model that stalls, drips or drops the connection, over Ollama's and
Groq's real wire protocols: each run ends in bounded time with every module present, written
by the model or by the offline template and marked as such. Timeouts are short to keep the
tests fast; the limits come from the settings, as in a real run."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time

import pytest
from fake_servers import Reply, fake_groq, fake_ollama, fake_openai

from toolkit.core.settings import ModelSettings
from toolkit.syllabus import Syllabus, SyllabusGenerator, SyllabusRequest
from toolkit.syllabus.events import SyllabusEvent, parse_syllabus_event

OUTLINE = {"title": "Chemistry", "audience": "beginners",
           "modules": [{"title": f"Part {i}", "scope": "s"} for i in range(1, 4)]}
MODULE = {"objectives": ["o"], "topics": ["t"], "activities": ["a"], "assessment": "quiz",
          "estimated_hours": 3}
# Per call: the first token within 0.4 s, each later one within 0.4 s, all of it within 1.5 s.
LIMITS = {"first_token_timeout_s": 0.4, "stall_timeout_s": 0.4, "timeout_s": 1.5,
          "max_retries": 1}
STALL = 30.0  # how long a stalled server keeps quiet: far past any limit here

# Each fault, and the limits that end it. A token a second never trips a stall limit of 1.5 s:
# the call's overall limit ends it.
FAULTS: dict[str, tuple[Reply, dict[str, float]]] = {
    "stall before the first token": (
        Reply(text=json.dumps(MODULE), first_token_delay=STALL), {}),
    "stall mid-answer": (
        Reply(text=json.dumps(MODULE), chunks=4, stall_after=2, stall_for=STALL), {}),
    "slow drip, a token a second": (
        Reply(text=json.dumps(MODULE), chunks=40, interval=1.0),
        {"first_token_timeout_s": 1.5, "stall_timeout_s": 1.5, "timeout_s": 2.2}),
    "connection dropped mid-stream": (
        Reply(text=json.dumps(MODULE), chunks=4, cut_after=2), {}),
}


@pytest.fixture(params=["ollama", "groq", "openai"])
def server(request):
    make = {"ollama": fake_ollama, "groq": fake_groq, "openai": fake_openai}[request.param]
    with make() as running:
        running.kind = request.param
        yield running


def settings_for(server, **limits: float) -> ModelSettings:
    return ModelSettings(backend=server.kind, ollama_host=server.url, groq_base_url=server.url,
                         groq_api_key="gsk_test", openai_base_url=server.url + "/v1",
                         openai_model="meta-llama/Llama-3.1-8B-Instruct", **{**LIMITS, **limits})


def write(generator: SyllabusGenerator, request: SyllabusRequest
          ) -> tuple[Syllabus, list[SyllabusEvent], float]:
    async def go() -> tuple[Syllabus | None, list[SyllabusEvent]]:
        run = generator.run(request)
        return await run.result(), run.events

    started = time.perf_counter()
    syllabus, events = asyncio.run(go())
    assert syllabus is not None
    return syllabus, events, time.perf_counter() - started


def assert_whole_and_marked(syllabus: Syllabus, events: list[SyllabusEvent], count: int) -> None:
    assert [m.number for m in syllabus.modules] == list(range(1, count + 1))
    assert all(m.fallback and m.fallback.startswith("Written from the offline template")
               for m in syllabus.modules)
    assert all(m.objectives and m.topics for m in syllabus.modules)
    modules = [e for e in events if e.type == "module"]
    assert len(modules) == count and all(e.module and e.module.fallback for e in modules)
    assert all(e.call and e.call.error and e.call.fallback == "offline template" for e in modules)
    assert syllabus.to_markdown().count("> Written from the offline template") == count


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_faulty_model_ends_each_module_call_and_the_template_writes_it(server, fault):
    reply, limits = FAULTS[fault]
    server.script(Reply(text=json.dumps(OUTLINE), when="Plan a course"), reply)
    settings = settings_for(server, **limits)
    generator = SyllabusGenerator.for_backend(server.kind, settings)
    syllabus, events, took = write(generator, SyllabusRequest("chemistry", modules=3,
                                                              timeout_s=20))
    assert syllabus.title == "Chemistry"  # the outline came from the model
    assert_whole_and_marked(syllabus, events, 3)
    # Three calls at once, each ended by its own limits, long before the run's 20 s.
    assert took < settings.timeout_s + 1.0, took


def test_a_stalled_model_leaves_the_run_within_its_timeout_even_in_sequence(server):
    # Eight modules one after another, each call allowed 30 s: only the run's 2 s bound them.
    server.script(FAULTS["stall before the first token"][0])
    generator = SyllabusGenerator.for_backend(
        server.kind, settings_for(server, first_token_timeout_s=30, timeout_s=30))
    syllabus, events, took = write(generator, SyllabusRequest(
        "chemistry", modules=8, mode="sequential", timeout_s=2.0))
    assert took < 2.0 + 3.0, took  # the run's 2 s, not 8 x 30 s (slack for a loaded machine)
    assert any("outline was written from the offline template" in n for n in syllabus.notes)
    assert_whole_and_marked(syllabus, events, 8)
    assert any("8 of 8 modules were written from the offline template" in n
               for n in syllabus.notes)


def test_the_cli_exits_zero_with_a_marked_syllabus_when_the_model_stalls(tmp_path):
    with fake_ollama() as server:
        server.script(FAULTS["stall before the first token"][0])
        env = {**os.environ, "OLLAMA_HOST": server.url, "MODEL_FIRST_TOKEN_TIMEOUT_S": "0.3",
               "MODEL_MAX_RETRIES": "0"}
        out = tmp_path / "s.md"
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "toolkit", "syllabus", "chemistry", "--modules", "3",
             "--backend", "ollama", "--timeout", "3", "--json", "--out", str(out)],
            capture_output=True, text=True, timeout=60, env=env)
        took = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and took < 10, took
    events = [parse_syllabus_event(line) for line in done.stdout.splitlines()]
    syllabus = events[-1].syllabus
    assert syllabus is not None and len(syllabus.modules) == 3
    assert all(m.fallback for m in syllabus.modules)
    assert out.read_text().count("> Written from the offline template") == 3
