"""The shop's bilingual vocabulary: words that name the same thing in Estonian and English.

A shopper writes "crime novels" to a shop whose categories are Estonian ("Krimi"), or
"kokaraamat" to an English catalog. The search widens each query word with the other words of
its concept, so either language finds the product. The context extraction of the assistant
reads the same concepts to recognise product types and categories.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from toolkit.shop.text import fold, stem, words


@dataclass(frozen=True)
class Concept:
    """One thing the shop sells, with the words each language uses for it."""

    key: str
    et: tuple[str, ...]
    en: tuple[str, ...]


CONCEPTS: tuple[Concept, ...] = (
    Concept("book", ("raamat", "raamatud", "teos"), ("book", "books", "novel")),
    Concept("gift", ("kingitus", "kink", "kingitused"), ("gift", "present")),
    Concept("toy", ("mänguasi", "mänguasjad", "mänguasja"), ("toy", "toys")),
    Concept("board_game", ("lauamäng", "lauamängud", "seltskonnamäng"), ("boardgame", "board game", "game", "games")),
    Concept("stationery", ("kirjatarbed", "kirjatarve"), ("stationery",)),
    Concept("home", ("kodukaubad", "kodu", "sisustus"), ("home", "homeware", "decor")),
    Concept("crime", ("krimi", "krimka", "krimiromaan", "detektiiv", "põnevik"),
            ("crime", "detective", "mystery", "thriller", "murder")),
    Concept("fantasy", ("fantaasia", "fantaasiaromaan", "võlur", "draakon"),
            ("fantasy", "wizard", "dragon", "magic")),
    Concept("horror", ("õudus", "õuduslugu", "õudusromaan", "kummitus", "kummituslugu"),
            ("horror", "ghost", "gothic", "supernatural", "spooky", "scary")),
    Concept("adventure", ("seiklus", "seiklusromaan", "seiklusjutt"), ("adventure", "adventures")),
    Concept("scifi", ("ulme", "ulmeromaan", "kosmos"), ("scifi", "science fiction", "space")),
    Concept("cookbook", ("kokaraamat", "kokandus", "retsept", "toit", "köök"),
            ("cookbook", "cooking", "recipe", "recipes", "food", "kitchen")),
    Concept("poetry", ("luule", "luulekogu", "luuletus", "luuletused"), ("poetry", "poem", "poems")),
    Concept("children", ("lasteraamat", "lapsed", "laps", "lastele", "muinasjutt"),
            ("children", "child", "kids", "kid", "fairy tale")),
    Concept("youth", ("noorteraamat", "noored", "noortele", "teismeline"),
            ("young adult", "teen", "teenager", "youth")),
    Concept("history", ("ajalugu", "ajalooline", "ajaloo"), ("history", "historical")),
    Concept("romance", ("romantika", "armastus", "armastusromaan"), ("romance", "love", "romantic")),
    Concept("science", ("teadus", "populaarteadus", "loodus"), ("science", "popular science", "nature")),
    Concept("classics", ("klassika", "eesti klassika", "klassik"), ("classic", "classics")),
    Concept("biography", ("elulugu", "elulood", "memuaarid"), ("biography", "memoir", "memoirs")),
    Concept("travel", ("reisimine", "reisiraamat", "reis"), ("travel", "journey", "trip")),
    Concept("selfhelp", ("eneseareng", "psühholoogia"), ("self-help", "selfhelp", "psychology")),
    Concept("humour", ("huumor", "naljaraamat", "nali"), ("humour", "humor", "funny", "jokes")),
    Concept("mug", ("kruus", "kruusid", "tass"), ("mug", "mugs", "cup")),
    Concept("candle", ("küünal", "küünlad", "lõhnaküünal"), ("candle", "candles")),
    Concept("textile", ("tekk", "pleed", "tekstiil", "sall"), ("blanket", "throw", "textile", "scarf")),
    Concept("decor", ("dekoratsioon", "kaunistus", "kodudekoor"), ("decoration", "ornament")),
    Concept("gift_set", ("kinkekomplekt", "komplekt", "kinkekarp"), ("gift set", "gift box", "set")),
    Concept("souvenir", ("suveniir", "meene"), ("souvenir", "keepsake")),
    Concept("jewellery", ("ehe", "ehted", "kaelakee", "käevõru"), ("jewellery", "jewelry", "necklace")),
    Concept("puzzle", ("pusle", "puslet"), ("puzzle", "jigsaw")),
    Concept("plush", ("pehme mänguasi", "kaisuloom", "kaisukaru", "mängukaru"),
            ("plush", "teddy", "teddy bear", "soft toy")),
    Concept("construction", ("klotsid", "konstruktor", "ehitusklotsid"), ("blocks", "building", "lego")),
    Concept("crafts", ("meisterdamine", "loovus", "joonistamine"), ("crafts", "drawing", "art")),
    Concept("notebook", ("märkmik", "kaustik", "päevik"), ("notebook", "journal", "diary")),
    Concept("calendar", ("kalender",), ("calendar", "planner")),
    Concept("pen", ("pastakas", "sulepea", "pliiats"), ("pen", "pencil", "fountain pen")),
    Concept("card_game", ("kaardimäng", "kaardid"), ("card game", "cards")),
    Concept("strategy", ("strateegia", "strateegiamäng"), ("strategy",)),
    Concept("family_game", ("peremäng", "seltskonnamäng"), ("family game", "party game")),
)


# Exact equivalents across the two languages, one name each way: what a shopper in the other
# language would call the very same product. They stand in nearly at full weight (the rest of a
# concept's words are only related: "toy" for "kaisukaru"). An English name is often two words
# where Estonian writes one compound: the index keeps each listed phrase as one term as well
# (`toolkit.shop.text.phrase_terms`), so "teddy bear" can match "kaisukaru" as a whole.
EQUIVALENTS: tuple[tuple[str, str], ...] = (
    ("kaisukaru", "teddy bear"),
    ("kaisuloom", "soft toy"),
    ("lauamäng", "board game"),
    ("kaardimäng", "card game"),
    ("peremäng", "family game"),
    ("mänguasi", "toy"),
    ("muinasjutt", "fairy tale"),
    ("kokaraamat", "cookbook"),
    ("krimiromaan", "crime novel"),
    ("ulmeromaan", "science fiction"),
    ("ulme", "science fiction"),
    ("luule", "poetry"),
    ("luuletus", "poem"),
    ("lasteraamat", "children's book"),
    ("noorteraamat", "young adult"),
    ("populaarteadus", "popular science"),
    ("elulugu", "biography"),
    ("kinkekomplekt", "gift set"),
    ("kinkekarp", "gift box"),
    ("lõhnaküünal", "scented candle"),
    ("küünal", "candle"),
    ("kruus", "mug"),
    ("pusle", "jigsaw puzzle"),
    ("märkmik", "notebook"),
    ("kalender", "calendar"),
    ("sulepea", "fountain pen"),
    ("raamat", "book"),
    ("romaan", "novel"),
    ("kingitus", "gift"),
    ("õudusromaan", "horror novel"),
    ("kummituslugu", "ghost story"),
    ("kummitusjutt", "ghost story"),
    ("seiklusromaan", "adventure novel"),
)


def _key(phrase: str, language: str) -> tuple[str, ...]:
    """A name's stems; a lone letter is an apostrophe's leftover ("children's")."""
    return tuple(t for w in words(phrase) if len(w) > 1 and (t := stem(w, language)))


@cache
def _equivalents() -> dict[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """The stems of each name -> the other language's names, (phrase, language)."""
    table: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    for et, en in EQUIVALENTS:
        table.setdefault(_key(et, "et"), []).append((en, "en"))
        table.setdefault(_key(en, "en"), []).append((et, "et"))
    return {k: tuple(v) for k, v in table.items() if k}


def equivalents(phrase: str, language: str) -> tuple[tuple[str, str], ...]:
    """The other language's names for exactly this word or phrase ("teddy bear" ->
    "kaisukaru"), as (phrase, language); empty if the vocabulary has none."""
    return _equivalents().get(_key(phrase, language), ())


@cache
def index_phrases() -> frozenset[tuple[str, ...]]:
    """The multi-word names, as stems, that the index also keeps as one term each."""
    names = [(n, "en") for _, n in EQUIVALENTS] + [(n, "et") for n, _ in EQUIVALENTS]
    names += [(phrase, language) for concept in CONCEPTS
              for language, phrases in (("et", concept.et), ("en", concept.en))
              for phrase in phrases]
    return frozenset(key for n, language in names if len(key := _key(n, language)) > 1)


@cache
def _stem_to_concepts() -> dict[str, tuple[Concept, ...]]:
    """Single-word names only: "science" alone must not mean "science fiction"."""
    index: dict[str, list[Concept]] = {}
    for concept in CONCEPTS:
        for language, phrases in (("et", concept.et), ("en", concept.en)):
            for phrase in phrases:
                if len(words(phrase)) == 1:
                    key = stem(phrase, language)
                    if key and concept not in index.setdefault(key, []):
                        index[key].append(concept)
    return {k: tuple(v) for k, v in index.items()}


@cache
def _phrases() -> tuple[tuple[str, Concept], ...]:
    return tuple((" ".join(fold(w) for w in words(phrase)), concept)
                 for concept in CONCEPTS
                 for phrase in concept.et + concept.en if len(words(phrase)) > 1)


def phrases_in(text: str) -> list[tuple[str, Concept]]:
    """The multi-word concept names ("science fiction", "board game") a text contains."""
    folded = " " + " ".join(fold(w) for w in words(text)) + " "
    return [(phrase, concept) for phrase, concept in _phrases()
            if f" {phrase} " in folded or f" {phrase}s " in folded]


def concepts_for(word: str, *, inflected: bool = False) -> tuple[Concept, ...]:
    """The concepts a single word names, in either language. With `inflected`, also when the
    keys differ by a few trailing letters: a form the dictionary does not know, or a typo."""
    table = _stem_to_concepts()
    found: list[Concept] = []
    for language in ("et", "en"):
        key = stem(word, language)
        matches = list(table.get(key, ()))
        if inflected and not matches and len(key) >= 4:
            matches = [c for k, cs in table.items() if len(k) >= 4 and
                       (k.startswith(key) or key.startswith(k)) and abs(len(k) - len(key)) <= 3
                       for c in cs]
        for concept in matches:
            if concept not in found:
                found.append(concept)
    return tuple(found)


def concept_terms(concept: Concept, *, split_phrases: bool = True) -> set[tuple[str, str]]:
    """Every (word, language) of a concept; phrases split into words, or left out."""
    out: set[tuple[str, str]] = set()
    for language, phrases in (("et", concept.et), ("en", concept.en)):
        for phrase in phrases:
            parts = words(phrase)
            if split_phrases or len(parts) == 1:
                out.update((w, language) for w in parts)
    return out
