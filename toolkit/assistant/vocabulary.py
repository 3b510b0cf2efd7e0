"""The words the rules understand, in Estonian and English: recipients, occasions, greetings,
follow-ups ("näita veel", "something cheaper"), budgets ("alla 20 euro", "under €30",
"20-40€"), ages ("10-aastasele", "for a 6 year old") and ordinals. All folded and lower-case.

`toolkit.assistant.context` reads messages with these; the answer templates label with them.
"""

from __future__ import annotations

import re
from functools import cache

from toolkit.assistant.context import Budget, Intent

RECIPIENTS: dict[str, tuple[tuple[str, ...], tuple[str, str]]] = {
    # key: (word stems or words, (Estonian label, English label))
    "mother": (("ema", "emale", "emme", "emmele", "mom", "mum", "mother", "mama"), ("emale", "for your mother")),
    "father": (("isa", "isale", "issi", "dad", "father", "papa"), ("isale", "for your father")),
    "grandmother": (("vanaema", "vanaemale", "grandma", "grandmother", "granny"),
                    ("vanaemale", "for your grandmother")),
    "grandfather": (("vanaisa", "vanaisale", "grandpa", "grandfather"), ("vanaisale", "for your grandfather")),
    "sister": (("ode", "odele", "sister"), ("õele", "for your sister")),
    "brother": (("vend", "vennale", "brother"), ("vennale", "for your brother")),
    "friend": (("sober", "sobrale", "sobranna", "sobrannale", "friend", "bestie"), ("sõbrale", "for a friend")),
    "colleague": (("kolleeg", "kolleegile", "tookaaslane", "tookaaslasele", "colleague", "coworker"),
                  ("kolleegile", "for a colleague")),
    "teacher": (("opetaja", "opetajale", "teacher"), ("õpetajale", "for a teacher")),
    "child": (("laps", "lapsele", "lapsed", "lastele", "child", "kid", "kids", "children"),
              ("lapsele", "for a child")),
    "son": (("poeg", "pojale", "son"), ("pojale", "for your son")),
    "daughter": (("tutar", "tutrele", "daughter"), ("tütrele", "for your daughter")),
    "partner": (("abikaasa", "abikaasale", "naisele", "mehele", "elukaaslasele", "kallimale",
                 "wife", "husband", "partner", "girlfriend", "boyfriend"), ("kallimale", "for your partner")),
    "boss": (("ulemus", "ulemusele", "boss", "manager"), ("ülemusele", "for your boss")),
}
OCCASIONS: dict[str, tuple[tuple[str, ...], tuple[str, str]]] = {
    "birthday": (("sunnipaev", "sunnipaevaks", "sunnipaevak", "sunnipaevakink", "birthday", "juubel",
                  "juubeliks"), ("sünnipäevaks", "for a birthday")),
    "christmas": (("joulud", "jouludeks", "joulukink", "christmas", "xmas"), ("jõuludeks", "for Christmas")),
    "wedding": (("pulm", "pulmad", "pulmadeks", "wedding"), ("pulmadeks", "for a wedding")),
    "anniversary": (("aastapaev", "aastapaevaks", "anniversary"), ("aastapäevaks", "for an anniversary")),
    "valentines": (("valentinipaev", "sobrapaev", "sobrapaevaks", "valentine", "valentines"),
                   ("sõbrapäevaks", "for Valentine's Day")),
    "mothers_day": (("emadepaev", "emadepaevaks", "mothers day"), ("emadepäevaks", "for Mother's Day")),
    "fathers_day": (("isadepaev", "isadepaevaks", "fathers day"), ("isadepäevaks", "for Father's Day")),
    "graduation": (("lopetamine", "lopetamiseks", "lopupidu", "graduation"), ("lõpetamiseks", "for a graduation")),
    "housewarming": (("soolaleivapidu", "soolaleivapeoks", "housewarming"),
                     ("soolaleivapeoks", "for a housewarming")),
    "thank_you": (("tanutaheks", "tanukink", "thank-you gift"), ("tänutäheks", "as a thank-you")),
}

GREETINGS = ("tere", "tervist", "hei", "hey", "hello", "hi", "hommikust", "paevast", "ohtust",
              "good morning", "good evening", "tsau", "moin")
THANKS = ("aitah", "tanan", "tanud", "suur aitah", "thanks", "thank you", "thx", "ty", "tanks")
SHOP_QUESTIONS = ("kes sa oled", "mida sa oskad", "mis sa oskad", "kuidas sa", "kuidas tellida",
                   "tarne", "kohaletoimet", "tagast", "maks", "lahti", "kauplus", "pood",
                   "who are you", "what can you do", "how do", "delivery", "shipping", "return",
                   "payment", "open", "store", "shop", "help", "abi", "aita")
SEARCH_VERBS = ("otsin", "otsiksin", "vajan", "soovin", "tahan", "tahaksin", "soovita", "soovitad",
                 "kinkida", "ideid", "idee", "looking for", "need", "want", "recommend", "suggest",
                 "idea", "ideas", "what to give", "what should i")
DISPLAY_VERBS = ("naita", "naidake", "kuva", "show", "list", "browse")
GIFT_WORDS = ("gift", "gifts", "present", "presents", "kink")


def is_gift_word(folded_word: str) -> bool:
    """A word for "a gift" or "to give" in either language: the purpose, not a product type."""
    return folded_word in GIFT_WORDS or folded_word.startswith(("kingitu", "kinki", "kingi"))
CHEAPEST = re.compile(r"\b(koige\s+odavam\w*|odavaim\w*|cheapest|lowest\s+price)\b")
CHEAPER = re.compile(r"\b(odavam\w*|soodsam\w*|cheaper|less\s+expensive|more\s+affordable|"
                      r"lower\s+price)\b")
MORE = re.compile(r"\b(naita\s+veel|veel|rohkem|muid|teisi|midagi\s+muud|show\s+(me\s+)?more|"
                   r"more\s+(options|products|please|like\s+(this|these))|other\s+options|"
                   r"anything\s+else|something\s+else|next)\b")
AUTHOR_PRONOUN = re.compile(r"\b(tema|temalt|ta|selle\s+autori|sama\s+autori|his|her|him|"
                             r"this\s+author|that\s+author|same\s+author|the\s+author)\b")
AUTHOR_WORKS = re.compile(r"\b(teos\w*|raamat\w*|kirjut\w*|books?|works?|novels?|wrote|"
                           r"written|more\s+by|by\s+(him|her))\b")
INQUIRY_CUES = re.compile(r"(\?|\b(kas|kui|mis|mida|millest|raagi|rohkem\s+infot|tell|what|is|"
                           r"does|how|which|suitable|sobib|sobiks|about|kirjeldus|describe)\b)")
DEMONSTRATIVE = re.compile(r"\b(see|seda|selle|sellest|too|this|that|it)\b")
ORDINALS = {"esimene": 1, "esimest": 1, "esimese": 1, "esimesest": 1, "first": 1, "1.": 1,
             "teine": 2, "teist": 2, "teise": 2, "teisest": 2, "second": 2, "2.": 2,
             "kolmas": 3, "kolmandat": 3, "kolmanda": 3, "kolmandast": 3, "third": 3, "3.": 3,
             "viimane": -1, "viimast": -1, "viimase": -1, "viimasest": -1, "last": -1}
PRODUCT_ID = re.compile(r"\b([A-Za-z]{1,3}-?\d{3,})\b")

NUMBER = r"(\d{1,5}(?:[.,]\d{1,2})?)"
EUR = r"(?:\s*(?:€|eur\w*|e\b))"
AGE_PATTERNS = [
    re.compile(r"\b(\d{1,2})\s*-?\s*(?:aastase\w*|aastane\w*|a\.?\s*vanus\w*|aastastele)"),
    re.compile(r"\b(\d{1,2})\s*-?\s*(?:year|yr)s?\s*-?\s*olds?\b"),
    re.compile(r"\b(?:age|aged|vanus)\s*(\d{1,2})\b"),
]
BUDGET_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?:between|vahemikus|vahel)?\s*€?\s*" + NUMBER + r"\s*" + EUR + r"?\s*"
                r"(?:-|–|—|kuni|to|and|ja)\s*€?\s*" + NUMBER + EUR + r"?(?:\s*(?:vahel|eest))?"),
     "range"),
    (re.compile(r"(?:alla|kuni|max(?:imum)?|maksimaalselt|mitte\s+üle|mitte\s+ule|under|below|"
                r"less\s+than|up\s+to|at\s+most|no\s+more\s+than|within|<=?|≤)\s*€?\s*" + NUMBER
                + EUR + r"?"), "max"),
    (re.compile(r"(?:üle|ule|vähemalt|vahemalt|alates|over|above|more\s+than|at\s+least|from|>=?|≥)"
                r"\s*€?\s*" + NUMBER + EUR + r"?"), "min"),
    (re.compile(r"(?:umbes|ligikaudu|around|about|approximately|circa|~)\s*€?\s*" + NUMBER
                + EUR + r"?"), "around"),
    (re.compile(r"€\s*" + NUMBER + r"|" + NUMBER + r"\s*(?:€|eur\w*)(?:\s*(?:piires|eest|budget|"
                r"eelarve))?"), "max"),
]


# Follow-up words, for forgiving matching of short messages with typos ("odavmaid", "show me
# mroe", "cheper"): the intent each one signals.
FOLLOW_UP_WORDS: dict[str, Intent] = {
    "veel": "show_more_products", "rohkem": "show_more_products", "more": "show_more_products",
    "muid": "show_more_products", "teisi": "show_more_products",
    "odavamat": "cheaper_alternatives", "odavamaid": "cheaper_alternatives",
    "odavam": "cheaper_alternatives", "soodsamat": "cheaper_alternatives",
    "soodsamaid": "cheaper_alternatives", "cheaper": "cheaper_alternatives",
    "odavaim": "cheapest", "cheapest": "cheapest",
}


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Levenshtein distance with adjacent transpositions, giving up past `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def fuzzy_follow_up(folded_words: list[str]) -> Intent | None:
    """The follow-up intent of a short message whose words are near a follow-up word."""
    if not folded_words or len(folded_words) > 4:
        return None
    best: tuple[int, Intent] | None = None
    for word in folded_words:
        if len(word) < 4:
            continue
        for target, intent in FOLLOW_UP_WORDS.items():
            allowed = 1 if len(target) < 7 else 2
            distance = edit_distance(word, target, allowed)
            if distance <= allowed and (best is None or distance < best[0]):
                best = (distance, intent)
    return best[1] if best else None


def number(text: str) -> float:
    return float(text.replace(",", "."))


def parse_budget(folded: str) -> tuple[Budget | None, list[tuple[int, int]]]:
    """A budget from folded text, and the spans it was read from (removed from the search)."""
    for pattern, kind in BUDGET_PATTERNS:
        match = pattern.search(folded)
        if not match:
            continue
        numbers = [number(g) for g in match.groups() if g]
        if not numbers:
            continue
        if kind == "range" and len(numbers) >= 2:
            low, high = sorted(numbers[:2])
            budget = Budget(min=low, max=high)
        elif kind == "min":
            budget = Budget(min=numbers[0])
        elif kind == "around":
            budget = Budget(min=round(numbers[0] * 0.8, 2), max=round(numbers[0] * 1.2, 2))
        else:
            budget = Budget(max=numbers[0])
        if (budget.max is not None and budget.max > 100_000) or (budget.min or 0) > 100_000:
            return None, []
        return budget, [match.span()]
    return None, []


def parse_age(folded: str) -> tuple[int | None, list[tuple[int, int]]]:
    for pattern in AGE_PATTERNS:
        match = pattern.search(folded)
        if match:
            age = int(match.group(1))
            if 0 <= age <= 120:
                return age, [match.span()]
    return None, []


def contains(folded: str, phrases: tuple[str, ...]) -> bool:
    """Any of the phrases, as whole words, in the folded text."""
    return _whole_words(phrases).search(folded) is not None


@cache
def _whole_words(phrases: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(re.escape(p) for p in phrases) + r")\b")


def words_match(folded_words: list[str], vocabulary: tuple[str, ...]) -> bool:
    return any(w in vocabulary or any(w.startswith(v) and len(v) >= 4 for v in vocabulary)
               for w in folded_words)


def recipient_label(key: str | None, language: str) -> str | None:
    if key is None or key not in RECIPIENTS:
        return None
    return RECIPIENTS[key][1][0 if language == "et" else 1]


def occasion_label(key: str | None, language: str) -> str | None:
    if key is None or key not in OCCASIONS:
        return None
    return OCCASIONS[key][1][0 if language == "et" else 1]
