"""The offline syllabus writer: an outline and module contents for any topic, from templates.

Twenty module archetypes in a teaching order (introduction first, capstone last), each with
its own objectives, topics, activities and assessment, so modules never repeat each other.
English and Estonian; the Estonian sentences put the topic where it needs no inflection. A
topic that already names a kind of course ("Sissejuhatus andmetehnikasse", "Programmeerimise
alused", "Introduction to statistics") gives that module its own wording, and the other titles
the subject alone (see `framing`).
"""

from __future__ import annotations

import hashlib
from typing import Any

from toolkit.shop.text import fold

# key, (English title, scope), (Estonian title, scope), hours
ARCHETYPES: list[tuple[str, tuple[str, str], tuple[str, str], float]] = [
    ("intro", ("Introduction to {t}", "what {t} is, why it matters and how the course runs"),
     ("Sissejuhatus. {T}", "mis on teema „{t}“, miks see on oluline ja kuidas kursus toimib"), 3),
    ("foundations", ("Foundations of {t}", "the core vocabulary and first principles"),
     ("{T}: alused", "põhisõnavara ja esimesed printsiibid"), 6),
    ("concepts", ("Key concepts of {t}", "the ideas everything else builds on"),
     ("{T}: põhimõisted", "ideed, millele kõik ülejäänu tugineb"), 6),
    ("tools", ("Tools and methods for {t}", "the instruments and techniques practitioners use"),
     ("{T}: tööriistad ja meetodid", "vahendid ja võtted, mida praktikud kasutavad"), 8),
    ("practice", ("{T} in practice", "applying the methods to realistic tasks"),
     ("{T} praktikas", "meetodite rakendamine elulistes ülesannetes"), 8),
    ("problems", ("Common problems in {t}", "typical mistakes and how to solve them"),
     ("{T}: levinud probleemid", "tüüpilised vead ja nende lahendamine"), 5),
    ("cases", ("Case studies in {t}", "what real projects teach"),
     ("{T}: juhtumiuuringud", "mida õpetavad päris projektid"), 5),
    ("quality", ("Quality and evaluation in {t}", "how to tell good work from weak"),
     ("{T}: kvaliteet ja hindamine", "kuidas eristada head tööd nõrgast"), 5),
    ("collaboration", ("Collaboration and workflows in {t}", "working in teams and in stages"),
     ("{T}: koostöö ja töövood", "meeskonnatöö ja etapid"), 4),
    ("design", ("Designing with {t}", "planning a solution from goal to result"),
     ("{T}: kavandamine", "lahenduse kavandamine eesmärgist tulemuseni"), 6),
    ("advanced", ("Advanced topics in {t}", "deeper techniques for confident learners"),
     ("{T}: edasijõudnutele", "sügavamad võtted kindlamatele õppijatele"), 8),
    ("ethics", ("Ethics and responsibility in {t}", "the people and consequences involved"),
     ("{T}: eetika ja vastutus", "inimesed ja tagajärjed"), 3),
    ("history", ("History of {t}", "how the field came to be what it is"),
     ("{T}: ajalugu", "kuidas valdkond kujunes selliseks, nagu see on"), 3),
    ("research", ("Current research in {t}", "where the field is moving now"),
     ("{T}: tänapäeva uuringud", "kuhu valdkond praegu liigub"), 4),
    ("communication", ("Communicating {t}", "explaining results to others"),
     ("{T}: tulemuste tutvustamine", "tulemuste selgitamine teistele"), 3),
    ("measurement", ("Measuring results in {t}", "metrics, evidence and honest numbers"),
     ("{T}: tulemuste mõõtmine", "mõõdikud, tõendid ja ausad numbrid"), 4),
    ("future", ("The future of {t}", "trends, open questions and careers"),
     ("{T}: tulevik", "suundumused, lahtised küsimused ja karjäär"), 2),
    ("review", ("Review and synthesis", "connecting the modules into one picture"),
     ("Kordamine ja kokkuvõte", "moodulite sidumine üheks tervikuks"), 3),
    ("assessment", ("Final assessment", "showing what has been learned"),
     ("Lõpphindamine", "õpitu näitamine"), 3),
    ("capstone", ("Capstone project", "one complete piece of work, from plan to presentation"),
     ("Lõpuprojekt", "üks terviklik töö kavast esitluseni"), 10),
]

# Per archetype: four topics, in English and Estonian; {t} is the course topic.
TOPICS: dict[str, tuple[list[str], list[str]]] = {
    "intro": (["course map and goals", "where {t} is used", "a first worked example", "how to study {t}"],
              ["kursuse kaart ja eesmärgid", "kus teemat kasutatakse", "esimene lahendatud näide", "kuidas õppida"]),
    "foundations": (["core terminology", "first principles", "the building blocks", "common misconceptions"],
                    ["põhiterminid", "esimesed printsiibid", "ehituskivid", "levinud väärarusaamad"]),
    "concepts": (["the central models", "how the parts interact", "levels of abstraction", "limits of the models"],
                 ["kesksed mudelid", "osade koosmõju", "abstraktsioonitasemed", "mudelite piirid"]),
    "tools": (["the essential toolkit", "setting up a working environment", "choosing a method", "step-by-step technique"],
              ["hädavajalikud tööriistad", "töökeskkonna seadmine", "meetodi valik", "samm-sammuline võte"]),
    "practice": (["a guided project", "adapting methods to constraints", "iterating on feedback", "documenting the work"],
                 ["juhendatud projekt", "meetodite kohandamine piirangutele", "tagasiside põhjal täiustamine", "töö dokumenteerimine"]),
    "problems": (["typical mistakes", "diagnosing a failure", "debugging strategies", "preventing repeat errors"],
                 ["tüüpilised vead", "tõrke diagnoosimine", "vigade otsimise strateegiad", "korduvate vigade ennetamine"]),
    "cases": (["a success story", "a failure and its lessons", "comparing two approaches", "transferring lessons"],
              ["edulugu", "ebaõnnestumine ja selle õppetunnid", "kahe lähenemise võrdlus", "õppetundide ülekandmine"]),
    "quality": (["criteria for good work", "peer review", "checklists and standards", "self-assessment"],
                ["hea töö kriteeriumid", "kaasõppijate tagasiside", "kontrollnimekirjad ja standardid", "enesehindamine"]),
    "collaboration": (["roles in a team", "planning in stages", "version control of work", "giving and taking feedback"],
                      ["rollid meeskonnas", "etappide planeerimine", "töö versioonihaldus", "tagasiside andmine ja vastuvõtmine"]),
    "design": (["from goal to requirements", "sketching alternatives", "trade-offs", "a design review"],
               ["eesmärgist nõueteni", "alternatiivide visandamine", "kompromissid", "kavandi ülevaatus"]),
    "advanced": (["advanced techniques", "scaling up", "edge cases", "performance and efficiency"],
                 ["edasijõudnute võtted", "mastaapimine", "piirjuhud", "jõudlus ja tõhusus"]),
    "ethics": (["who is affected", "risks and harms", "fairness and consent", "professional codes"],
               ["keda see puudutab", "riskid ja kahjud", "õiglus ja nõusolek", "kutse-eetika"]),
    "history": (["origins", "turning points", "key figures", "what history explains today"],
                ["algus", "pöördepunktid", "võtmeisikud", "mida ajalugu täna selgitab"]),
    "research": (["open questions", "reading a research paper", "recent breakthroughs", "where to follow new work"],
                 ["lahtised küsimused", "teadusartikli lugemine", "hiljutised läbimurded", "kust uut tööd jälgida"]),
    "communication": (["explaining to non-experts", "writing a short report", "presenting results", "visualising findings"],
                      ["selgitamine mitte-ekspertidele", "lühiaruande kirjutamine", "tulemuste esitlemine", "leidude visualiseerimine"]),
    "measurement": (["choosing metrics", "collecting evidence", "avoiding misleading numbers", "reporting uncertainty"],
                    ["mõõdikute valik", "tõendite kogumine", "eksitavate numbrite vältimine", "ebakindluse esitamine"]),
    "future": (["emerging trends", "skills for the next decade", "career paths", "continuing to learn"],
               ["uued suundumused", "järgmise kümnendi oskused", "karjääriteed", "edasiõppimine"]),
    "review": (["the course in one map", "connections between modules", "questions that remain", "a personal learning plan"],
               ["kursus ühel kaardil", "moodulite vahelised seosed", "alles jäänud küsimused", "isiklik õppeplaan"]),
    "assessment": (["the final task", "assessment criteria", "preparing a portfolio", "reflection"],
                   ["lõpuülesanne", "hindamiskriteeriumid", "portfoolio koostamine", "refleksioon"]),
    "capstone": (["choosing a project", "planning milestones", "building the result", "presenting the project"],
                 ["projekti valik", "vahe-eesmärkide planeerimine", "tulemuse valmistamine", "projekti esitlus"]),
}

ORDER = ["intro", "foundations", "concepts", "tools", "practice", "problems", "cases", "design",
         "quality", "advanced", "collaboration", "ethics", "history", "research", "communication",
         "measurement", "future", "review", "assessment"]


def _fill(text: str, topic: str) -> str:
    return text.replace("{t}", topic).replace("{T}", topic[:1].upper() + topic[1:])


# A topic often names its course's kind already: "Sissejuhatus andmetehnikasse", "Programmeerimise
# alused", "Introduction to statistics". The archetype it names takes the topic as written, and
# the other titles name the subject alone, so that no title says "Sissejuhatus. Sissejuhatus …"
# or "Introduction to Introduction to …". Estonian words are matched folded ("pohitoed").
_ET_LEADING = {"sissejuhatus": "intro", "algkursus": "intro", "alused": "foundations",
               "pohialused": "foundations", "pohitoed": "foundations", "algtoed": "foundations",
               "pohimoisted": "concepts"}
_ET_TRAILING = {**_ET_LEADING, "ajalugu": "history", "eetika": "ethics", "tulevik": "future",
                "praktikas": "practice"}
_EN_LEADING = {"introduction to": "intro", "an introduction to": "intro", "intro to": "intro",
               "foundations of": "foundations", "fundamentals of": "foundations",
               "basics of": "foundations", "principles of": "foundations",
               "key concepts of": "concepts", "history of": "history",
               "the history of": "history", "a history of": "history", "ethics of": "ethics",
               "the future of": "future", "future of": "future"}
_EN_TRAILING = {"basics": "foundations", "fundamentals": "foundations", "101": "intro",
                "in practice": "practice"}
# Titles for a subject whose plain form is not known (the topic inflects it in a way the rules
# below do not undo): the Estonian titles without the subject.
_ET_BARE = {"intro": "Sissejuhatus", "practice": "Praktiline rakendamine"}


def _nominative(word: str, case: str) -> str | None:
    """The plain (nominative) form of the last word of an Estonian subject, from its
    illative ("andmetehnikasse") or genitive ("programmeerimise"), for the common
    endings only; None when unsure, and the titles then leave the subject out."""
    folded = fold(word)
    if case == "illative":
        if folded.endswith("usesse"):  # majandusesse -> majandus
            return word[:-4]
        if folded.endswith("usse"):  # majandusse, kirjandusse
            return word[:-2]
        if not folded.endswith("sse") or len(folded) < 7:
            return None
        stem, folded = word[:-3], folded[:-3]  # the genitive, nearly always
    else:
        stem = word
    if folded.endswith("mise"):  # programmeerimise -> programmeerimine
        return stem[:-2] + "ne"
    if case == "illative" and folded.endswith("mi"):  # programmeerimi(sse)
        return stem + "ne"
    if folded.endswith("use") and case == "genitive":  # majanduse -> majandus
        return stem[:-1]
    if folded.endswith(("ia", "ika")):  # keemia, andmetehnika: genitive and nominative alike
        return stem
    return None


_MARKS = ":,;–—-"


def framing(topic: str, language: str) -> tuple[str | None, str | None]:
    """The archetype the topic's own wording names, and the subject alone in its plain form:
    ("intro", "andmetehnika") for "Sissejuhatus andmetehnikasse", ("intro", None) where the
    subject's plain form is not known, (None, topic) for a topic that names no archetype."""
    text = topic.strip()
    words = text.split()
    if len(words) < 2:
        alone = fold(text.strip(_MARKS + "."))
        if language == "et" and alone in _ET_TRAILING:  # "Sissejuhatus" and nothing else
            return _ET_TRAILING[alone], None
        return None, text
    if language != "et":
        lower = text.lower()
        for phrase, key in sorted(_EN_LEADING.items(), key=lambda item: -len(item[0])):
            if lower.startswith(phrase + " ") and (subject := text[len(phrase):].strip(_MARKS + " ")):
                return key, subject
        for phrase, key in _EN_TRAILING.items():
            if lower.endswith(" " + phrase) and (subject := text[: -len(phrase)].strip(_MARKS + " ")):
                return key, subject
        return None, text
    first, last = fold(words[0].strip(_MARKS)), fold(words[-1].strip(_MARKS + "."))
    if first in _ET_LEADING:
        after = text[len(words[0]):]
        rest = after.strip(_MARKS + " ")
        if not rest:
            return _ET_LEADING[first], None
        if words[0][-1] in _MARKS or after.lstrip()[:1] in tuple(_MARKS):
            return _ET_LEADING[first], rest  # "Sissejuhatus: andmetehnika", a plain subject
        if _ET_LEADING[first] != "intro":  # "Alused …" followed by an inflected word
            return _ET_LEADING[first], None
        *before, inflected = rest.split()  # "Sissejuhatus X": X is in the illative
        plain = _nominative(inflected, "illative")
        return "intro", " ".join([*before, plain]) if plain else None
    if last in _ET_TRAILING:
        before_last = text[: -len(words[-1])]
        rest = before_last.strip(_MARKS + " ")
        if not rest:
            return None, text
        if _ET_TRAILING[last] == "practice" or before_last.rstrip()[-1:] in tuple(_MARKS):
            return _ET_TRAILING[last], rest  # "Masinõpe praktikas", "Keemia: alused"
        *before, inflected = rest.split()  # "X alused": X is in the genitive
        plain = _nominative(inflected, "genitive")
        if plain is None and _ET_TRAILING[last] in ("history", "ethics", "future"):
            return _ET_TRAILING[last], text  # "Eesti ajalugu: alused" says nothing twice
        return _ET_TRAILING[last], " ".join([*before, plain]) if plain else None
    return None, text


def titles(topic: str, language: str) -> dict[str, tuple[str, str]]:
    """Every archetype's title and scope for this topic."""
    named, subject = framing(topic, language)
    out = {}
    for key, en, et, _ in ARCHETYPES:
        title, scope = et if language == "et" else en
        if key == named:
            out[key] = (topic[:1].upper() + topic[1:], _fill(scope, subject or topic))
        elif subject is None:  # Estonian only: the titles without the subject
            bare = _ET_BARE.get(key) or title.replace("{T}: ", "").replace("{T}", "").strip()
            out[key] = (bare[:1].upper() + bare[1:], _fill(scope, topic))
        else:
            out[key] = (_fill(title, subject), _fill(scope, subject))
    return out


def choose_archetypes(count: int) -> list[str]:
    """`count` archetypes in teaching order: the introduction first, the capstone last."""
    if count == 1:
        return ["intro"]
    middle = [key for key in ORDER if key != "intro"][: count - 2]
    return ["intro", *middle, "capstone"]


def outline(topic: str, count: int, language: str) -> dict[str, Any]:
    named = titles(topic, language)
    modules = [{"title": named[key][0], "scope": named[key][1]}
               for key in choose_archetypes(count)]
    if language == "et":
        return {"title": f"Kursus: {topic}", "audience": "Algajad ja kesktaseme õppijad",
                "modules": modules}
    return {"title": f"{topic[:1].upper() + topic[1:]}: a course", "audience":
            "Beginners and intermediate learners", "modules": modules}


def _archetype_of(title: str, topic: str, language: str) -> str:
    for key, (written, _) in titles(topic, language).items():
        if written == title:
            return key
    digest = int(hashlib.sha256(title.encode()).hexdigest(), 16)  # a title we did not write
    return ORDER[digest % len(ORDER)]


def module(topic: str, title: str, scope: str, language: str) -> dict[str, Any]:
    key = _archetype_of(title, topic, language)
    hours = next(a[3] for a in ARCHETYPES if a[0] == key)
    topics_en, topics_et = TOPICS[key]
    subject = framing(topic, language)[1] or topic
    topics = [_fill(t, subject) for t in (topics_et if language == "et" else topics_en)]
    if language == "et":
        return {
            "objectives": [f"Selgitada: {scope}", f"Iseseisvalt läbi töötada: {topics[2]}",
                           "Hinnata oma tööd mooduli kriteeriumide järgi"],
            "topics": topics,
            "activities": ["Juhendatud lugemine ja arutelu", f"Praktiline harjutus: {topics[0]}",
                           "Paaristöö ja tagasiside"],
            "assessment": f"Lühitest ja praktiline ülesanne teemal „{topics[1]}“",
            "estimated_hours": hours,
        }
    return {
        "objectives": [f"Explain {scope}", f"Work through {topics[2]} independently",
                       "Judge one's own work against the module's criteria"],
        "topics": topics,
        "activities": ["Guided reading and discussion", f"Hands-on exercise: {topics[0]}",
                       "Pair work with feedback"],
        "assessment": f"A short quiz and a practical task on {topics[1]}",
        "estimated_hours": hours,
    }
