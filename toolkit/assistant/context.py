"""Step 2: what the shopper wants, as a structured `GiftContext`.

`RuleContextExtractor` is the offline extractor and the fast path: patterns for intents,
budgets ("alla 20 euro", "under €30", "20-40€", "between 10 and 20 euros"), ages
("10-aastasele", "for a 6 year old"), recipients and occasions in Estonian and English, the
catalog's own product types, categories and authors, and pronouns ("tema", "his") resolved from
the conversation's memory. A model-backed extractor can stand behind the same
`ContextExtractor` protocol, with these rules as its fallback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, Protocol

from pydantic import BaseModel, Field

from toolkit.shop import text as analysis
from toolkit.shop.taxonomy import Taxonomy
from toolkit.shop.text import detect_language

Intent = Literal[
    "product_search", "show_more_products", "cheaper_alternatives", "cheapest",
    "product_inquiry", "author_search", "greeting", "thanks", "question", "nonsense", "unknown",
]
SEARCH_INTENTS = frozenset({"product_search", "show_more_products", "cheaper_alternatives",
                            "cheapest", "author_search"})


class Budget(BaseModel):
    min: float | None = None
    max: float | None = None


class ProductInquiry(BaseModel):
    product_id: str | None = None
    product_name: str | None = None
    ordinal: int | None = None  # 1 = the first card shown, -1 = the last


class GiftContext(BaseModel):
    """Everything the router, the search and the answer need to know about one message."""

    intent: Intent = "unknown"
    confidence: float = 0.0
    language: Literal["et", "en"] = "et"
    product_type: str | None = None
    category: str | None = None
    product_type_hints: list[str] = Field(default_factory=list)
    category_hints: list[str] = Field(default_factory=list)
    recipient: str | None = None  # a key of RECIPIENTS, e.g. "mother"
    occasion: str | None = None  # a key of OCCASIONS, e.g. "birthday"
    budget: Budget | None = None
    age: int | None = None
    authors: list[str] = Field(default_factory=list)
    author_pronoun: bool = False  # "tema teosed", "his books": the author comes from memory
    explicit_type: bool = False  # the user named the product type in this message
    explicit_category: bool = False
    vague_gift: bool = False  # "I need a gift": a search verb and nothing to search for
    product_inquiry: ProductInquiry | None = None
    search_text: str = ""  # the message without budget, age and follow-up phrases
    carried: list[str] = Field(default_factory=list)  # fields taken over from memory
    extractor: str = "rules"
    fallback: str | None = None  # set when a model failed and the rules answered instead
    model_notes: list[str] = Field(default_factory=list)  # model output the catalog refuted


# -- vocabularies (folded, lower-case) ---------------------------------------------------------

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

_GREETINGS = ("tere", "tervist", "hei", "hey", "hello", "hi", "hommikust", "paevast", "ohtust",
              "good morning", "good evening", "tsau", "moin")
_THANKS = ("aitah", "tanan", "tanud", "suur aitah", "thanks", "thank you", "thx", "ty", "tanks")
_SHOP_QUESTIONS = ("kes sa oled", "mida sa oskad", "mis sa oskad", "kuidas sa", "kuidas tellida",
                   "tarne", "kohaletoimet", "tagast", "maks", "lahti", "kauplus", "pood",
                   "who are you", "what can you do", "how do", "delivery", "shipping", "return",
                   "payment", "open", "store", "shop", "help", "abi", "aita")
_SEARCH_VERBS = ("otsin", "otsiksin", "vajan", "soovin", "tahan", "tahaksin", "soovita", "soovitad",
                 "kinkida", "ideid", "idee", "looking for", "need", "want", "recommend", "suggest",
                 "idea", "ideas", "what to give", "what should i")
_DISPLAY_VERBS = ("naita", "naidake", "kuva", "show", "list", "browse")
_GIFT_WORDS = ("gift", "gifts", "present", "presents", "kink")


def is_gift_word(folded_word: str) -> bool:
    """A word for "a gift" or "to give" in either language: the purpose, not a product type."""
    return folded_word in _GIFT_WORDS or folded_word.startswith(("kingitu", "kinki", "kingi"))
_CHEAPEST = re.compile(r"\b(koige\s+odavam\w*|odavaim\w*|cheapest|lowest\s+price)\b")
_CHEAPER = re.compile(r"\b(odavam\w*|soodsam\w*|cheaper|less\s+expensive|more\s+affordable|"
                      r"lower\s+price)\b")
_MORE = re.compile(r"\b(naita\s+veel|veel|rohkem|muid|teisi|midagi\s+muud|show\s+(me\s+)?more|"
                   r"more\s+(options|products|please|like\s+(this|these))|other\s+options|"
                   r"anything\s+else|something\s+else|next)\b")
_AUTHOR_PRONOUN = re.compile(r"\b(tema|temalt|ta|selle\s+autori|sama\s+autori|his|her|him|"
                             r"this\s+author|that\s+author|same\s+author|the\s+author)\b")
_AUTHOR_WORKS = re.compile(r"\b(teos\w*|raamat\w*|kirjut\w*|books?|works?|novels?|wrote|"
                           r"written|more\s+by|by\s+(him|her))\b")
_INQUIRY_CUES = re.compile(r"(\?|\b(kas|kui|mis|mida|millest|raagi|rohkem\s+infot|tell|what|is|"
                           r"does|how|which|suitable|sobib|sobiks|about|kirjeldus|describe)\b)")
_DEMONSTRATIVE = re.compile(r"\b(see|seda|selle|sellest|too|this|that|it)\b")
_ORDINALS = {"esimene": 1, "esimest": 1, "esimese": 1, "esimesest": 1, "first": 1, "1.": 1,
             "teine": 2, "teist": 2, "teise": 2, "teisest": 2, "second": 2, "2.": 2,
             "kolmas": 3, "kolmandat": 3, "kolmanda": 3, "kolmandast": 3, "third": 3, "3.": 3,
             "viimane": -1, "viimast": -1, "viimase": -1, "viimasest": -1, "last": -1}
_PRODUCT_ID = re.compile(r"\b([A-Za-z]{1,3}-?\d{3,})\b")

_NUMBER = r"(\d{1,5}(?:[.,]\d{1,2})?)"
_EUR = r"(?:\s*(?:€|eur\w*|e\b))"
_AGE_PATTERNS = [
    re.compile(r"\b(\d{1,2})\s*-?\s*(?:aastase\w*|aastane\w*|a\.?\s*vanus\w*|aastastele)"),
    re.compile(r"\b(\d{1,2})\s*-?\s*(?:year|yr)s?\s*-?\s*olds?\b"),
    re.compile(r"\b(?:age|aged|vanus)\s*(\d{1,2})\b"),
]
_BUDGET_PATTERNS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"(?:between|vahemikus|vahel)?\s*€?\s*" + _NUMBER + r"\s*" + _EUR + r"?\s*"
                r"(?:-|–|—|kuni|to|and|ja)\s*€?\s*" + _NUMBER + _EUR + r"?(?:\s*(?:vahel|eest))?"),
     "range"),
    (re.compile(r"(?:alla|kuni|max(?:imum)?|maksimaalselt|mitte\s+üle|mitte\s+ule|under|below|"
                r"less\s+than|up\s+to|at\s+most|no\s+more\s+than|within|<=?|≤)\s*€?\s*" + _NUMBER
                + _EUR + r"?"), "max"),
    (re.compile(r"(?:üle|ule|vähemalt|vahemalt|alates|over|above|more\s+than|at\s+least|from|>=?|≥)"
                r"\s*€?\s*" + _NUMBER + _EUR + r"?"), "min"),
    (re.compile(r"(?:umbes|ligikaudu|around|about|approximately|circa|~)\s*€?\s*" + _NUMBER
                + _EUR + r"?"), "around"),
    (re.compile(r"€\s*" + _NUMBER + r"|" + _NUMBER + r"\s*(?:€|eur\w*)(?:\s*(?:piires|eest|budget|"
                r"eelarve))?"), "max"),
]


# Follow-up words, for forgiving matching of short messages with typos ("odavmaid", "show me
# mroe", "cheper"): the intent each one signals.
_FOLLOW_UP_WORDS = {
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


def fuzzy_follow_up(folded_words: list[str]) -> str | None:
    """The follow-up intent of a short message whose words are near a follow-up word."""
    if not folded_words or len(folded_words) > 4:
        return None
    best: tuple[int, str] | None = None
    for word in folded_words:
        if len(word) < 4:
            continue
        for target, intent in _FOLLOW_UP_WORDS.items():
            allowed = 1 if len(target) < 7 else 2
            distance = edit_distance(word, target, allowed)
            if distance <= allowed and (best is None or distance < best[0]):
                best = (distance, intent)
    return best[1] if best else None


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def parse_budget(folded: str) -> tuple[Budget | None, list[tuple[int, int]]]:
    """A budget from folded text, and the spans it was read from (removed from the search)."""
    for pattern, kind in _BUDGET_PATTERNS:
        match = pattern.search(folded)
        if not match:
            continue
        numbers = [_number(g) for g in match.groups() if g]
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
    for pattern in _AGE_PATTERNS:
        match = pattern.search(folded)
        if match:
            age = int(match.group(1))
            if 0 <= age <= 120:
                return age, [match.span()]
    return None, []


def _contains(folded: str, phrases: tuple[str, ...]) -> bool:
    return any(re.search(rf"\b{re.escape(p)}\b", folded) for p in phrases)


def _words_match(folded_words: list[str], vocabulary: tuple[str, ...]) -> bool:
    return any(w in vocabulary or any(w.startswith(v) and len(v) >= 4 for v in vocabulary)
               for w in folded_words)


@dataclass
class MemoryView:
    """What the extractor may read from the conversation's memory."""

    last_author: str | None = None
    shown: list[dict] | None = None  # the products shown last, in order
    language: str | None = None


class ContextExtractor(Protocol):
    name: str

    async def extract(self, message: str, memory: MemoryView) -> GiftContext: ...


class RuleContextExtractor:
    """The offline extractor: rules over the message, the catalog's taxonomy and memory."""

    name = "rules"

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy

    async def extract(self, message: str, memory: MemoryView) -> GiftContext:
        return self.extract_now(message, memory)

    def extract_now(self, message: str, memory: MemoryView | None = None) -> GiftContext:
        memory = memory or MemoryView()
        folded = analysis.fold(message)
        words = analysis.words(message)
        folded_words = [analysis.fold(w) for w in words]
        ctx = GiftContext(language=detect_language(message, memory.language or "et"))

        age, age_spans = parse_age(folded)
        budget_text = folded
        for start, end in age_spans:
            budget_text = budget_text[:start] + " " * (end - start) + budget_text[end:]
        budget, budget_spans = parse_budget(budget_text)
        ctx.age, ctx.budget = age, budget
        search_text = folded
        for start, end in sorted(age_spans + budget_spans, reverse=True):
            search_text = search_text[:start] + " " + search_text[end:]

        ctx.recipient = next((k for k, (vocab, _) in RECIPIENTS.items()
                              if _words_match(folded_words, vocab)), None)
        ctx.occasion = next((k for k, (vocab, _) in OCCASIONS.items()
                             if _contains(folded, vocab) or _words_match(folded_words, vocab)), None)
        self._taxonomy(ctx, search_text)
        ctx.authors = self._authors(message, folded)
        if _AUTHOR_PRONOUN.search(folded) and not ctx.authors and memory.last_author and (
                _AUTHOR_WORKS.search(folded) or "autor" in folded or "author" in folded):
            ctx.authors = [memory.last_author]
            ctx.author_pronoun = True
        self._intent(ctx, message, folded, folded_words, memory)
        if ctx.intent in ("show_more_products", "cheaper_alternatives", "cheapest"):
            search_text = re.sub(_MORE.pattern + "|" + _CHEAPER.pattern + "|" + _CHEAPEST.pattern,
                                 " ", search_text)
        if ctx.author_pronoun:
            search_text = _AUTHOR_PRONOUN.sub(" ", search_text)
        ctx.search_text = re.sub(r"\s+", " ", search_text).strip()
        if ctx.age is not None and ctx.age < 12:
            ctx.category_hints += [c.name for c in self.taxonomy.categories
                                   if c.matched_by({"lasteraa", "children"})][:1]
        elif ctx.age is not None and ctx.age < 18:
            ctx.category_hints += [c.name for c in self.taxonomy.categories
                                   if c.matched_by({"noorteraa", "youth"})][:1]
        return ctx

    def _taxonomy(self, ctx: GiftContext, text: str) -> None:
        named: list[tuple[str, tuple]] = []
        gift_word = False
        for word in analysis.words(text):
            folded = analysis.fold(word)
            if folded in analysis.STOP_WORDS:
                continue
            if is_gift_word(folded):  # "a gift" is the purpose, not a kind of product
                gift_word = True
                continue
            entries = self.taxonomy.entries_for(word)
            if any(e.kind == "product_type" for e in entries):
                # "mänguasju" names the type Mänguasjad, not its sub-shelf "Pehmed mänguasjad".
                entries = tuple(e for e in entries
                                if e.kind == "product_type" or len(e.name.split()) == 1)
            named.append((word, entries))
        types = [e for _, entries in named for e in entries if e.kind == "product_type"]
        cats = [e for _, entries in named for e in entries if e.kind == "category"]
        if cats:
            # The category most words point at; when words point at different categories
            # equally ("detective stories": crime, or short stories?), none is forced and all
            # become hints for the search to weigh.
            counts = {e.name: cats.count(e) for e in cats}
            top = max(counts.values())
            leaders = [name for name, n in counts.items() if n == top]
            ctx.explicit_category = True
            if len(leaders) == 1:
                ctx.category = leaders[0]
                holders = self.taxonomy.types_of_category.get(ctx.category, set())
                if len(holders) == 1 and not types:
                    ctx.product_type = next(iter(holders)) or None
            ctx.category_hints = [name for name in counts if name != ctx.category][:3]
        if types:
            chosen = types[0]
            if ctx.category:  # keep the type consistent with the category
                holders = self.taxonomy.types_of_category.get(ctx.category, set())
                chosen = next((t for t in types if t.name in holders), chosen)
            ctx.product_type, ctx.explicit_type = chosen.name, True
            ctx.product_type_hints = list(dict.fromkeys(t.name for t in types if t is not chosen))
        if gift_word and self.taxonomy.gift_type and \
                self.taxonomy.gift_type not in ctx.product_type_hints + [ctx.product_type]:
            ctx.product_type_hints.append(self.taxonomy.gift_type)

    def _authors(self, message: str, folded: str) -> list[str]:
        found: list[str] = []
        index = self.taxonomy.authors
        raw_words = re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", message)
        folded_words = [analysis.fold(w) for w in raw_words]

        def lookup(word: str) -> list[str]:
            """An indexed key for a word or name, allowing a genitive ending ("Krossi")."""
            for candidate in [word] + [word[:-n] for n in (1, 2) if len(word) - n >= 3]:
                if candidate in index:
                    return index[candidate]
            return []

        used: set[int] = set()
        # Whole names first ("Jane Austen", "Jaan Krossi"), then a surname on its own.
        for size in (3, 2):
            for i in range(len(folded_words) - size + 1):
                if used & set(range(i, i + size)):
                    continue
                names = lookup(" ".join(folded_words[i:i + size]))
                if names:
                    found += [n for n in names if n not in found]
                    used |= set(range(i, i + size))
        for i, (raw, word) in enumerate(zip(raw_words, folded_words, strict=True)):
            names = [] if i in used else lookup(word)
            if not names:
                continue
            # "Sherlock Holmes" is not Oliver Wendell Holmes: a capitalised word before a
            # surname that does not make a known full name means some other person.
            previous = i - 1
            if previous >= 0 and previous not in used and raw_words[previous][:1].isupper() \
                    and folded_words[previous] not in analysis.STOP_WORDS \
                    and not lookup(folded_words[previous]):
                continue
            # A lower-case surname could be a plain word ("rebane" is a fox): trust it only
            # when long and unusual, or capitalised as a name.
            if raw[0].isupper() or len(word) >= 7:
                found += [n for n in names if n not in found]
        return found[:3]

    def _intent(self, ctx: GiftContext, message: str, folded: str, folded_words: list[str],
                memory: MemoryView) -> None:
        has_taxonomy = ctx.explicit_type or ctx.explicit_category
        gift_context = bool(ctx.recipient or ctx.occasion)
        content = [w for w in folded_words if w not in analysis.STOP_WORDS]
        shown = memory.shown or []

        inquiry = self._inquiry(message, folded, shown) if shown else None
        if inquiry is not None and not (ctx.budget or _MORE.search(folded) or _CHEAPER.search(folded)):
            ctx.intent, ctx.confidence, ctx.product_inquiry = "product_inquiry", 0.85, inquiry
            return
        if _contains(folded, _THANKS) and len(content) <= 4 and not has_taxonomy:
            ctx.intent, ctx.confidence = "thanks", 0.95
            return
        if _contains(folded, _GREETINGS) and len(folded_words) <= 4 and not (
                has_taxonomy or gift_context or ctx.authors or ctx.budget):
            ctx.intent, ctx.confidence = "greeting", 0.95
            return
        if shown and _CHEAPEST.search(folded):
            ctx.intent, ctx.confidence = "cheapest", 0.9
            return
        if _CHEAPEST.search(folded):
            ctx.intent, ctx.confidence = "cheapest", 0.8
            return
        if _CHEAPER.search(folded):
            ctx.intent, ctx.confidence = "cheaper_alternatives", 0.9
            return
        if _MORE.search(folded) and not has_taxonomy and not ctx.authors:
            ctx.intent, ctx.confidence = "show_more_products", 0.9
            return
        if ctx.authors:
            ctx.intent, ctx.confidence = "author_search", 0.9
            return
        if shown and not has_taxonomy and (fuzzy := fuzzy_follow_up(folded_words)):
            ctx.intent, ctx.confidence = fuzzy, 0.75  # a follow-up with a typo
            return
        if _contains(folded, _SHOP_QUESTIONS) and not (has_taxonomy or gift_context or ctx.budget):
            ctx.intent, ctx.confidence = "question", 0.8
            return
        search_verb = _contains(folded, _SEARCH_VERBS)
        display_verb = _contains(folded, _DISPLAY_VERBS)
        gift_word = any(is_gift_word(w) for w in folded_words)
        if has_taxonomy:
            ctx.intent, ctx.confidence = "product_search", 0.9
        elif gift_context:
            ctx.intent, ctx.confidence = "product_search", 0.75
        elif gift_word and ctx.product_type_hints and not search_verb:
            # "näita kingitusi", "gifts": the user named what to show; search it.
            ctx.intent, ctx.confidence = "product_search", 0.8
            ctx.product_type, ctx.explicit_type = ctx.product_type_hints[0], True
            ctx.product_type_hints = ctx.product_type_hints[1:]
        elif gift_word or search_verb or ctx.budget or ctx.age is not None or display_verb:
            ctx.intent, ctx.confidence = "product_search", 0.4
            ctx.vague_gift = True
        elif content:
            ctx.intent, ctx.confidence = "unknown", 0.3
        else:
            ctx.intent, ctx.confidence = "unknown", 0.1

    @staticmethod
    def _inquiry(message: str, folded: str, shown: list[dict]) -> ProductInquiry | None:
        if match := _PRODUCT_ID.search(message):
            wanted = match.group(1).upper()
            if any(str(p.get("id", "")).upper() == wanted for p in shown):
                return ProductInquiry(product_id=wanted)
        for word, position in _ORDINALS.items():
            if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", folded) and _INQUIRY_CUES.search(folded):
                return ProductInquiry(ordinal=position)
        titles = [(p, analysis.fold(p.get("title", ""))) for p in shown]
        for product, title in titles:
            if title and title in folded:
                return ProductInquiry(product_id=product.get("id"), product_name=product.get("title"))
        for product, title in titles:
            significant = [w for w in analysis.words(title)
                           if len(w) >= 4 and w not in analysis.STOP_WORDS]
            if significant and any(re.search(rf"\b{re.escape(w)}", folded) for w in significant) \
                    and _INQUIRY_CUES.search(folded):
                return ProductInquiry(product_name=product.get("title"))
        if _DEMONSTRATIVE.search(folded) and _INQUIRY_CUES.search(folded):
            return ProductInquiry(ordinal=1)
        return None


def recipient_label(key: str | None, language: str) -> str | None:
    if key is None or key not in RECIPIENTS:
        return None
    return RECIPIENTS[key][1][0 if language == "et" else 1]


def occasion_label(key: str | None, language: str) -> str | None:
    if key is None or key not in OCCASIONS:
        return None
    return OCCASIONS[key][1][0 if language == "et" else 1]
