"""Syllabus generation: outline, modules, finalization; modes, failures, bad input, exports."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest
from fake_servers import Reply, fake_ollama

from toolkit.core.errors import SyllabusError
from toolkit.llm import ModelClient, OfflineBackend, SimulatedBackend
from toolkit.llm.ollama import OllamaBackend
from toolkit.syllabus import Module, Syllabus, SyllabusGenerator, SyllabusRequest
from toolkit.syllabus.events import parse_syllabus_event
from toolkit.syllabus.generate import find_overlaps


def offline_generator() -> SyllabusGenerator:
    offline = OfflineBackend()
    return SyllabusGenerator(ModelClient(offline), offline)


def simulated_generator(scale: float = 0.005) -> SyllabusGenerator:
    offline = OfflineBackend()
    backend = SimulatedBackend(offline, "ollama-7b", time_scale=scale, seed=3)
    return SyllabusGenerator(ModelClient(backend), offline)


def run(generator: SyllabusGenerator, request: SyllabusRequest):
    async def go():
        handle = generator.run(request)
        result = await handle.result()
        return result, handle.events
    return asyncio.run(go())


@pytest.mark.parametrize("topic, language", [("data science", "en"), ("masinõpe", "et")])
def test_offline_writes_a_whole_syllabus_in_the_topics_language(topic, language):
    syllabus, events = run(offline_generator(), SyllabusRequest(topic, modules=8))
    assert len(syllabus.modules) == 8 and not syllabus.partial and syllabus.language == language
    assert [m.number for m in syllabus.modules] == list(range(1, 9))
    assert syllabus.total_hours == sum(m.estimated_hours for m in syllabus.modules)
    assert syllabus.overlaps == []
    assert any("offline" in note for note in syllabus.notes)
    assert all(m.objectives and m.topics and m.activities and m.assessment for m in syllabus.modules)
    types = [e.type for e in events]
    assert types[0] == "outline" and types[-2:] == ["timing", "done"]
    assert types.count("module") == 8 and types.count("progress") == 8


@pytest.mark.parametrize("count", [1, 2, 6, 10, 20])
def test_any_module_count_from_1_to_20(count):
    syllabus, _ = run(offline_generator(), SyllabusRequest("history of art", modules=count))
    assert len(syllabus.modules) == count
    titles = [m.title for m in syllabus.modules]
    assert len(set(titles)) == count and titles[0].startswith("Introduction")


def test_parallel_streams_modules_as_they_complete_and_keeps_outline_order():
    syllabus, events = run(simulated_generator(),
                           SyllabusRequest("astronomy", modules=8, mode="parallel", concurrency=4))
    assert [m.number for m in syllabus.modules] == list(range(1, 9))
    timing = next(e for e in events if e.type == "timing")
    modules = [s for s in timing.spans if s.name.startswith("module ")]
    overlapping = sum(1 for a in modules for b in modules
                      if a is not b and a.start_ms < b.end_ms and b.start_ms < a.end_ms)
    assert overlapping > 0  # several module calls ran at once
    assert max(sum(1 for b in modules if b.start_ms <= a.start_ms < b.end_ms) for a in modules) <= 4
    assert timing.simulated and all(c.simulated for c in timing.calls)


def test_sequential_runs_one_call_at_a_time():
    _, events = run(simulated_generator(), SyllabusRequest("astronomy", modules=4, mode="sequential"))
    timing = next(e for e in events if e.type == "timing")
    modules = sorted((s for s in timing.spans if s.name.startswith("module ")), key=lambda s: s.start_ms)
    assert all(a.end_ms <= b.start_ms for a, b in zip(modules, modules[1:], strict=False))
    assert timing.concurrency == 1


def test_every_call_records_its_prompt_tokens_and_prompts_stay_small():
    _, events = run(offline_generator(), SyllabusRequest("geology", modules=8))
    calls = next(e for e in events if e.type == "timing").calls
    assert len(calls) == 9 and all(c.prompt_tokens for c in calls)
    assert max(c.prompt_tokens for c in calls) <= 160


def test_each_module_prompt_carries_the_whole_outline():
    generator = offline_generator()
    syllabus, _ = run(generator, SyllabusRequest("chemistry", modules=5))
    from toolkit.syllabus import Outline
    outline = Outline(title=syllabus.title, audience=syllabus.audience,
                      modules=[{"title": m.title, "scope": m.scope} for m in syllabus.modules])
    prompt = generator.module_request("chemistry", outline, 3, "en").messages[-1].content
    assert all(m.title in prompt for m in syllabus.modules)


def test_a_failing_module_is_written_from_the_template_and_marked():
    with fake_ollama() as server:
        outline = {"title": "Chemistry", "audience": "beginners",
                   "modules": [{"title": f"Part {i}", "scope": "s"} for i in range(1, 5)]}
        module = {"objectives": ["o"], "topics": ["t{n}"], "activities": ["a"],
                  "assessment": "quiz", "estimated_hours": 3}
        replies = [Reply(text=json.dumps(outline), when="Plan a course")]
        for n in range(1, 5):
            if n == 3:
                replies.append(Reply(status=500, when="Write module 3,"))
            else:
                content = json.dumps({**module, "topics": [f"topic {n}"]})
                replies.append(Reply(text=content, when=f"Write module {n},"))
        server.script(*replies, Reply(status=500))
        offline = OfflineBackend()
        generator = SyllabusGenerator(
            ModelClient(OllamaBackend("qwen2:1.5b", host=server.url), max_retries=1,
                        backoff_s=0.01, timeout_s=5), offline)
        syllabus, events = run(generator, SyllabusRequest("chemistry", modules=4))
    assert not syllabus.partial and [m.number for m in syllabus.modules] == [1, 2, 3, 4]
    assert [m.number for m in syllabus.modules if m.fallback] == [3]
    assert "ModelHTTPError" in syllabus.modules[2].fallback
    assert syllabus.modules[2].topics != ["topic 3"]  # the template's, not a hole
    event = next(e for e in events if e.type == "module" and e.number == 3)
    assert event.module.fallback and event.call.fallback == "offline template"
    assert any("1 of 4 modules were written from the offline template" in n
               for n in syllabus.notes)
    assert "> Written from the offline template" in syllabus.to_markdown()


@pytest.mark.parametrize("planned, note", [(3, "offline titles were added"), (12, "were kept")])
def test_a_model_that_plans_too_few_or_too_many_modules_is_handled(planned, note):
    with fake_ollama() as server:
        outline = {"title": "Music", "audience": "all",
                   "modules": [{"title": f"Theme {i}", "scope": "s"} for i in range(planned)]}
        module = {"objectives": ["o"], "topics": ["t"], "activities": [], "assessment": "",
                  "estimated_hours": 2}
        server.script(Reply(text=json.dumps(outline), when="Plan a course"),
                      Reply(text=json.dumps(module)))
        offline = OfflineBackend()
        generator = SyllabusGenerator(ModelClient(OllamaBackend("qwen2:1.5b", host=server.url)),
                                      offline)
        syllabus, _ = run(generator, SyllabusRequest("music", modules=6))
    assert len(syllabus.modules) == 6 and any(note in n for n in syllabus.notes)


def test_a_junk_outline_falls_back_to_the_offline_one():
    with fake_ollama() as server:
        server.script(Reply(text="I cannot do that", when="Plan a course"),
                      Reply(text="still not json", when="not valid JSON"),
                      Reply(text=json.dumps({"objectives": ["o"], "topics": ["t"],
                                             "estimated_hours": 1})))
        offline = OfflineBackend()
        generator = SyllabusGenerator(ModelClient(OllamaBackend("qwen2:1.5b", host=server.url)),
                                      offline)
        syllabus, _ = run(generator, SyllabusRequest("poetry", modules=5))
    assert len(syllabus.modules) == 5
    assert any("outline was written from the offline template" in n for n in syllabus.notes)


@pytest.mark.parametrize("request_, message", [
    (SyllabusRequest(""), "empty"), (SyllabusRequest("   "), "empty"),
    (SyllabusRequest("asdfghjkl"), "does not read as a subject"),
    (SyllabusRequest("x" * 500), "500 characters long"),
    (SyllabusRequest("data science " * 1000), "12999 characters long"),  # not cut at 2000
    (SyllabusRequest("python", modules=0), "from 1 to 20"),
    (SyllabusRequest("python", modules=21), "from 1 to 20"),
    (SyllabusRequest("python", concurrency=0), "1 or more"),
    (SyllabusRequest("python", mode="turbo"), "mode"),
    (SyllabusRequest(None), "must be text"),
    *[(SyllabusRequest("python", timeout_s=bad), "timeout must be a number of seconds above 0")
      for bad in (0, -1, float("nan"), float("inf"), True)],
])
def test_bad_requests_are_clear_errors(request_, message):
    with pytest.raises(SyllabusError, match=message):
        offline_generator().run(request_)


def test_overlaps_across_modules_are_reported():
    base = {"objectives": ["o"], "activities": [], "assessment": "", "estimated_hours": 1}
    modules = [Module(number=1, title="A", topics=["Linear regression", "data cleaning"], **base),
               Module(number=2, title="B", topics=["linear regressions", "plotting"], **base)]
    overlaps = find_overlaps(modules)
    assert len(overlaps) == 1 and overlaps[0].modules == [1, 2]


def test_markdown_and_json_exports():
    syllabus, _ = run(offline_generator(), SyllabusRequest("photography", modules=3))
    markdown = syllabus.to_markdown()
    assert markdown.startswith("# ") and markdown.count("\n## ") == 3
    assert Syllabus.model_validate_json(syllabus.to_json()) == syllabus
    assert json.loads(syllabus.to_json())["partial"] is False


def test_cli_writes_markdown_and_json_events(tmp_path):
    out = tmp_path / "s.md"
    done = subprocess.run([sys.executable, "-m", "toolkit", "syllabus", "robotics", "--modules", "4",
                           "--json", "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    events = [parse_syllabus_event(line) for line in done.stdout.splitlines()]
    assert events[-1].type == "done" and out.read_text().startswith("# ")
    bad = subprocess.run([sys.executable, "-m", "toolkit", "syllabus", "robotics", "--modules", "0"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "from 1 to 20" in bad.stderr and "Traceback" not in bad.stderr


ESTONIAN_WITHOUT_LETTERS = ["Sissejuhatus andmetehnikasse", "Programmeerimise alused",
                            "Andmeteadus algajatele", "Tarkvaraarendus", "Eesti ajalugu",
                            "Matemaatiline analuus", "Veebiarendus", "Masinope algajatele",
                            "Keemia alused", "Andmebaaside projekteerimine", "Kunstiajalugu",
                            "Ettevotlus", "Raamatupidamine", "Python programmeerimine algajatele"]
ENGLISH = ["data science", "machine learning", "astronomy", "history of art",
           "Introduction to data engineering", "Python for beginners", "Linear algebra",
           "Kubernetes", "Deep learning", "Status reports", "Origami", "Sauna culture",
           "Estonian language", "Karate", "Hawaii", "Data engineering", "Java", "Algebra"]


@pytest.mark.parametrize("topic", ESTONIAN_WITHOUT_LETTERS)
def test_an_estonian_topic_without_estonian_letters_is_read_as_estonian(topic):
    assert SyllabusRequest(topic).validated().language == "et"


@pytest.mark.parametrize("topic", ENGLISH)
def test_an_english_topic_stays_english(topic):
    assert SyllabusRequest(topic).validated().language == "en"


def test_word_forms_only_tip_a_tie_towards_estonian():
    """The shop's callers fall back to Estonian: their answers do not move."""
    from toolkit.shop.text import detect_language

    assert detect_language("fantasy dragons") == "et"  # as before: no marker word, Estonian
    assert detect_language("fantasy dragons", "en") == "en"
    assert detect_language("Sissejuhatus andmetehnikasse", "en") == "et"
    assert detect_language("show me the Sissejuhatus andmetehnikasse", "en") == "en"


def test_the_cli_writes_an_estonian_topic_without_estonian_letters_in_estonian():
    done = subprocess.run([sys.executable, "-m", "toolkit", "syllabus",
                           "Sissejuhatus andmetehnikasse", "--modules", "4"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "# Kursus: Sissejuhatus andmetehnikasse" in done.stdout
    assert "Introduction to" not in done.stdout
    assert " 1. Sissejuhatus andmetehnikasse\n" in done.stdout
    assert " 2. Andmetehnika: alused\n" in done.stdout


@pytest.mark.parametrize("topic, framing_word, subject", [
    ("Sissejuhatus andmetehnikasse", "sissejuhatus", "Andmetehnika"),
    ("Sissejuhatus programmeerimisse", "sissejuhatus", "Programmeerimine"),
    ("Sissejuhatus majandusse", "sissejuhatus", "Majandus"),
    ("Sissejuhatus: keemia", "sissejuhatus", "Keemia"),
    ("Sissejuhatus masinõppesse", "sissejuhatus", None),  # no rule for its plain form
    ("Programmeerimise alused", "alused", "Programmeerimine"),
    ("Andmetehnika alused", "alused", "Andmetehnika"),
    ("Keemia põhitõed", "põhitõed", "Keemia"),
    ("Põhitõed: statistika", "põhitõed", "Statistika"),
    ("Põhimõisted: statistika", "põhimõisted", "Statistika"),
])
def test_estonian_titles_never_repeat_the_word_the_topic_starts_or_ends_with(
        topic, framing_word, subject):
    syllabus, _ = run(offline_generator(), SyllabusRequest(topic, modules=10, language="et"))
    titles = [m.title for m in syllabus.modules]
    assert len(set(titles)) == 10
    for title in titles:
        assert title.lower().count(framing_word) <= 1, title
        assert not title.startswith(("Sissejuhatus. Sissejuhatus", "Alused: alused")), title
    assert topic in titles  # the module the topic names keeps the topic's own words
    others = [t for t in titles if t != topic and t not in ("Lõpuprojekt", "Kordamine ja "
                                                                          "kokkuvõte")]
    if subject is not None:  # the others name the subject, in its plain form
        assert all(t.startswith(subject) or t.endswith(subject) for t in others), others
    assert all(m.objectives and m.topics and m.assessment for m in syllabus.modules)


@pytest.mark.parametrize("topic, first, second", [
    ("Introduction to data engineering", "Introduction to data engineering",
     "Foundations of data engineering"),
    ("Fundamentals of statistics", "Introduction to statistics", "Fundamentals of statistics"),
    ("Python basics", "Introduction to Python", "Python basics"),
])
def test_english_titles_do_not_repeat_the_topics_own_framing(topic, first, second):
    syllabus, _ = run(offline_generator(), SyllabusRequest(topic, modules=6))
    titles = [m.title for m in syllabus.modules]
    assert titles[:2] == [first, second] and len(set(titles)) == 6
    assert not any("Introduction to Introduction" in t or "of Fundamentals" in t for t in titles)


def test_estonian_topics_that_name_no_framing_keep_their_titles():
    syllabus, _ = run(offline_generator(), SyllabusRequest("masinõpe algajatele", modules=3))
    assert [m.title for m in syllabus.modules] == [
        "Sissejuhatus. Masinõpe algajatele", "Masinõpe algajatele: alused", "Lõpuprojekt"]
