"""How product text and query text become search terms.

DuckDB's FTS extension has no Estonian stemmer, so the catalog feeds it text that is already
analysed here: lower-cased, stop words dropped, each word brought to its key (its lemma from
simplemma's dictionary for Estonian, its Snowball stem for English) and then folded to ASCII,
so that "Kõrboja" and "korboja" meet. Queries go through the same functions, which is what
makes the two sides match.

Estonian inflects heavily ("raamat", "raamatud", "raamatut", "raamatule") and compounds freely
("krimiromaanid"); the lemma brings the forms the dictionary knows to one key, and the search
widens the rest (names, words it does not know) against the index's own vocabulary (see
`toolkit.shop.search`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Literal

import Stemmer  # PyStemmer: Snowball's own C library, the same stems as its Python port

from toolkit.shop import morphology

Language = str  # "et" or "en"; anything else is treated as "et", the shop's first language

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_FOLD = str.maketrans({"õ": "o", "ä": "a", "ö": "o", "ü": "u", "š": "s", "ž": "z"})

STOP_WORDS_ET = frozenset(
    """
    ja ning ka ega on oli ei et kas see seda selle need neid mis mida kes keda või aga kui siis
    ma mina mu minu mul mulle sa sina sul sulle ta tema tal talle me meie te teie nad nemad oma
    üks ühe üht mõni mõned mingi mingit midagi väga veel palun tahan tahaksin otsin otsiksin
    soovin sooviksin vajan näita näidata näidake leia leiaks mõnda jaoks kohta alla üle kuni
    umbes eur euro eurot eurost eurone sobiks sobib võiks oleks hea head heal ilus ilusat tore
    toredat
    armastab armastavale meeldib meeldivad
    """.split()
)
STOP_WORDS_EN = frozenset(
    # Snowball's English stop list, then the words of a shop request (including what the
    # person it is for likes: "someone who loves gardening" is about gardening, not love).
    """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves what which who whom
    this that these those am is are was were be been being have has had having do does did
    doing would should could ought a an the and but if or because as until while of at by for
    with about against between into through during before after above below to from up down in
    out on off over under again further then once here there when where why how all any both
    each few more most other some such no nor not only own same so than too very can will just
    don should now
    someone somebody something anything everything anyone everybody
    please show find looking look want wants like likes need needs give get good nice less
    euro euros eur
    loves enjoys adores
    """.split()
)

_ENGLISH = Stemmer.Stemmer("english")
# Estonian case endings, longest first, that a name takes after its own letters ("Dickensi",
# "Napoleonist", "Tolkieniga", "Lutsu"): the dictionary knows words, not names.
_CASE_ENDINGS = ("isse", "iga", "ile", "ilt", "ina", "iks", "ist", "ita", "sse", "ga", "le",
                 "lt", "na", "ks", "st", "ta", "id", "s", "l", "t", "d", "i", "u", "e", "a")


def fold(text: str) -> str:
    """Lower-case and fold Estonian letters and any other accents to ASCII."""
    if text.isascii():  # most catalog and query text: nothing to normalise or fold
        return text.lower()
    quick = text.lower().translate(_FOLD)
    if quick.isascii():  # Estonian letters only, precomposed: what normalising would give
        return quick
    text = unicodedata.normalize("NFKC", text).lower().translate(_FOLD)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Folded, so that "näita" typed as "naita" is still a stop word.
STOP_WORDS = frozenset(fold(w) for w in STOP_WORDS_ET | STOP_WORDS_EN)


def words(text: str) -> list[str]:
    """Lower-cased words of letters and digits, in order, accents kept (stemmers need them)."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).lower())


@lru_cache(maxsize=200_000)
def stem(word: str, language: Language = "et") -> str:
    """The folded key of one lower-cased word, or "" for a stop word: its lemma for Estonian
    ("raamatutele" -> "raamat"), its Snowball stem for English ("novels" -> "novel").

    Numbers and short words are kept whole: stemming "1984" or "ema" only loses meaning.
    """
    folded = fold(word)
    if folded in STOP_WORDS:
        return ""
    if len(word) <= 3 or word.isdigit():
        return folded
    if language == "en":
        return fold(_ENGLISH.stemWord(word))
    # A lemma may hold letters the index splits on ("e-raamat"); an empty one keeps the word.
    return morphology.key_letters(morphology.lemma(folded)) or folded


def without_case_ending(word: str) -> list[str]:
    """What a name the dictionary does not know may be without an Estonian case ending,
    folded, longest ending first: "Napoleonist" -> ["napoleon", "napoleoni", ...]."""
    folded = fold(word)
    return [folded[:-len(e)] for e in _CASE_ENDINGS
            if folded.endswith(e) and len(folded) - len(e) >= 4]


def terms(text: str | None, language: Language = "et") -> list[str]:
    """The search terms of a text: stop words dropped, the rest stemmed and folded."""
    if not text:
        return []
    return [t for w in words(text) if (t := stem(w, language))]


def phrase_term(stems: tuple[str, ...] | list[str]) -> str:
    """One index term for a phrase of the shop's vocabulary: its stems joined ("teddibear")."""
    return "".join(stems)


def phrase_terms(found: list[str]) -> list[str]:
    """The phrase terms for the shop's multi-word names ("teddy bear", "board game") that a
    text's terms contain, in order: the index keeps them beside the words, so that a name in
    one language can match its other-language name as a whole ("kaisukaru")."""
    from toolkit.shop.lexicon import index_phrases  # the vocabulary builds on this module

    phrases = index_phrases()
    lengths = sorted({len(p) for p in phrases})
    out = []
    for i in range(len(found)):
        for n in lengths:
            window = tuple(found[i:i + n])
            if len(window) == n and window in phrases:
                out.append(phrase_term(window))
            elif n == 2 and len(window) == 2 and (window[0], window[1].removesuffix("s")) \
                    in phrases:
                out.append(phrase_term((window[0], window[1].removesuffix("s"))))
    return out


def index_text(text: str | None, language: Language = "et") -> str:
    """A text as the space-separated terms the FTS index is built over: its terms, then the
    phrase terms of the shop's multi-word names it contains."""
    found = terms(text, language)
    return " ".join(found + phrase_terms(found))


# Words that mark a language (folded). Function words first, then the shop's everyday words,
# so that a two-word message ("näita veel", "show more") is read right.
_ET_MARKERS = frozenset(fold(w) for w in STOP_WORDS_ET) | {
    "raamat", "raamatud", "ning", "kes", "mis", "tere", "tervist", "hommikust", "aitah", "tanan",
    "veel", "naita", "odavam", "kingitus", "emale", "isale", "palun", "midagi", "mulle", "kas",
    "see", "ja", "alla", "kuni", "otsin", "eurot"}
_EN_MARKERS = STOP_WORDS_EN | {
    "book", "books", "story", "novel", "by", "who", "which", "gift", "the", "a", "for", "and",
    "show", "me", "please", "something", "cheaper", "more", "hello", "hi", "thanks", "under",
    "my", "what", "is", "looking", "need", "want", "of", "with", "about", "author", "this"}


# Word forms, to break a tie of marker words (a course topic often has none: "Sissejuhatus
# andmetehnikasse", "Programmeerimise alused"). Estonian: case and derivation endings (on words
# of 7 letters or more) and letter pairs that English words seldom have; English: letters and
# letter groups native Estonian words do not use. A word with signs of both counts for neither.
_ET_ENDINGS = ("sse", "dus", "duse", "tus", "tuse", "lus", "luse", "iline", "ilise", "likud",
               "lik", "lised", "jad", "jate", "tele", "dele", "ika", "oogia", "ja")
_ET_WORDS = ("sissejuhatus", "alused", "pohitoed", "pohimoisted", "algajatele", "ajalugu",
             "edasijoudnutele", "kursus", "eesti", "keel", "keele", "teadus", "opetus")
_ET_PAIRS = ("aa", "ii", "uu")
_EN_GROUPS = ("c", "q", "w", "x", "y", "z", "th", "sh", "ph", "gh")
_EN_ENDINGS = ("ing", "ness", "ment", "ly", "ers", "ful", "less")
_ET_VERBAL_NOUN = re.compile(r"[aeiou]mi(ne|se)$")  # programmeeri-mine, arvuta-mise


def _word_form(word: str) -> int:
    """+1 for a word that looks Estonian, -1 for one that looks English, else 0 (folded)."""
    et = (len(word) >= 7 and word.endswith(_ET_ENDINGS)) or word.endswith(_ET_WORDS) \
        or any(p in word for p in _ET_PAIRS) or bool(_ET_VERBAL_NOUN.search(word))
    en = any(g in word for g in _EN_GROUPS) or (len(word) > 4 and word.endswith(_EN_ENDINGS))
    return int(et) - int(en)


def detect_language(text: str | None, fallback: Language = "et") -> Literal["et", "en"]:
    """The one language detector: "et" or "en" for a message, a topic or a catalog row.

    Estonian letters decide at once; otherwise the marker words of each language are counted.
    A tie (or no words at all) gives `fallback`, unless the words' forms read as Estonian
    ("Sissejuhatus andmetehnikasse" has no marker word and no õäöü): word forms only ever tip a
    tie towards Estonian, the shop's first language, so a caller whose fallback is Estonian
    (messages, catalog rows) gets the same answer as before."""
    default: Literal["et", "en"] = "en" if fallback == "en" else "et"
    found = [fold(w) for w in words(text or "")]
    if not found:
        return default
    if any(c in "õäöü" for c in (text or "").lower()):
        return "et"
    en = sum(w in _EN_MARKERS for w in found)
    et = sum(w in _ET_MARKERS for w in found)
    if en == et:
        if default == "en" and sum(_word_form(w) for w in found if not w.isdigit()) > 0:
            return "et"
        return default
    return "en" if en > et else "et"


def language_of(declared: str | None, text: str | None = None) -> Language:
    """The stemmer language for a row: its declared language if we know it, else a guess."""
    code = (declared or "").strip().lower()
    if code.startswith(("et", "est", "eesti")):
        return "et"
    if code.startswith(("en", "eng", "inglise")):
        return "en"
    return detect_language(text)
