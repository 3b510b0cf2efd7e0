"""The offline syllabus writer: an outline and module contents for any topic, from templates.

Twenty module archetypes in a teaching order (introduction first, capstone last), each with
its own objectives, topics, activities and assessment, so modules never repeat each other.
English and Estonian; the Estonian sentences put the topic where it needs no inflection.
"""

from __future__ import annotations

import hashlib
from typing import Any

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


def choose_archetypes(count: int) -> list[str]:
    """`count` archetypes in teaching order: the introduction first, the capstone last."""
    if count == 1:
        return ["intro"]
    middle = [key for key in ORDER if key != "intro"][: count - 2]
    return ["intro", *middle, "capstone"]


def outline(topic: str, count: int, language: str) -> dict[str, Any]:
    by_key = {a[0]: a for a in ARCHETYPES}
    modules = []
    for key in choose_archetypes(count):
        _, en, et, _ = by_key[key]
        title, scope = et if language == "et" else en
        modules.append({"title": _fill(title, topic), "scope": _fill(scope, topic)})
    if language == "et":
        return {"title": f"Kursus: {topic}", "audience": "Algajad ja kesktaseme õppijad",
                "modules": modules}
    return {"title": f"{topic[:1].upper() + topic[1:]}: a course", "audience":
            "Beginners and intermediate learners", "modules": modules}


def _archetype_of(title: str, topic: str, language: str) -> str:
    for key, en, et, _ in ARCHETYPES:
        if _fill((et if language == "et" else en)[0], topic) == title:
            return key
    digest = int(hashlib.sha256(title.encode()).hexdigest(), 16)  # a title we did not write
    return ORDER[digest % len(ORDER)]


def module(topic: str, title: str, scope: str, language: str) -> dict[str, Any]:
    key = _archetype_of(title, topic, language)
    hours = next(a[3] for a in ARCHETYPES if a[0] == key)
    topics_en, topics_et = TOPICS[key]
    topics = [_fill(t, topic) for t in (topics_et if language == "et" else topics_en)]
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
