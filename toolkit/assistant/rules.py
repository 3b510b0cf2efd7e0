"""The offline context extractor, and the fast path of the model-backed one: rules over the
message, the catalog's taxonomy and the conversation's memory.

Budgets, ages, recipients and occasions in Estonian and English (`toolkit.assistant.vocabulary`),
the catalog's own product types, categories and authors (`toolkit.shop.taxonomy`), and pronouns
("tema", "his") resolved from memory.
"""

from __future__ import annotations

import re

from toolkit.assistant.context import GiftContext, MemoryView, ProductInquiry
from toolkit.assistant.vocabulary import (
    AUTHOR_PRONOUN,
    AUTHOR_WORKS,
    CHEAPER,
    CHEAPEST,
    DEMONSTRATIVE,
    DISPLAY_VERBS,
    GREETINGS,
    INQUIRY_CUES,
    MORE,
    OCCASIONS,
    ORDINALS,
    PRODUCT_ID,
    RECIPIENTS,
    SEARCH_VERBS,
    SHOP_QUESTIONS,
    THANKS,
    contains,
    fuzzy_follow_up,
    is_gift_word,
    parse_age,
    parse_budget,
    words_match,
)
from toolkit.shop import text as analysis
from toolkit.shop.search import ProductHit
from toolkit.shop.taxonomy import Entry, Taxonomy
from toolkit.shop.text import detect_language


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
                              if words_match(folded_words, vocab)), None)
        ctx.occasion = next((k for k, (vocab, _) in OCCASIONS.items()
                             if contains(folded, vocab) or words_match(folded_words, vocab)), None)
        self._taxonomy(ctx, search_text)
        ctx.authors = self._authors(message, folded)
        if AUTHOR_PRONOUN.search(folded) and not ctx.authors and memory.last_author and (
                AUTHOR_WORKS.search(folded) or "autor" in folded or "author" in folded):
            ctx.authors = [memory.last_author]
            ctx.author_pronoun = True
        self._intent(ctx, message, folded, folded_words, memory)
        if ctx.intent in ("show_more_products", "cheaper_alternatives", "cheapest"):
            search_text = re.sub(MORE.pattern + "|" + CHEAPER.pattern + "|" + CHEAPEST.pattern,
                                 " ", search_text)
        if ctx.author_pronoun:
            search_text = AUTHOR_PRONOUN.sub(" ", search_text)
        ctx.search_text = re.sub(r"\s+", " ", search_text).strip()
        if ctx.age is not None and ctx.age < 12:
            ctx.category_hints += [c.name for c in self.taxonomy.categories
                                   if c.matched_by({"lasteraa", "children"})][:1]
        elif ctx.age is not None and ctx.age < 18:
            ctx.category_hints += [c.name for c in self.taxonomy.categories
                                   if c.matched_by({"noorteraa", "youth"})][:1]
        return ctx

    def _taxonomy(self, ctx: GiftContext, text: str) -> None:
        named: list[tuple[str, tuple[Entry, ...]]] = []
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
        if inquiry is not None and not (ctx.budget or MORE.search(folded) or CHEAPER.search(folded)):
            ctx.intent, ctx.confidence, ctx.product_inquiry = "product_inquiry", 0.85, inquiry
            return
        if contains(folded, THANKS) and len(content) <= 4 and not has_taxonomy:
            ctx.intent, ctx.confidence = "thanks", 0.95
            return
        if contains(folded, GREETINGS) and len(folded_words) <= 4 and not (
                has_taxonomy or gift_context or ctx.authors or ctx.budget):
            ctx.intent, ctx.confidence = "greeting", 0.95
            return
        if shown and CHEAPEST.search(folded):
            ctx.intent, ctx.confidence = "cheapest", 0.9
            return
        if CHEAPEST.search(folded):
            ctx.intent, ctx.confidence = "cheapest", 0.8
            return
        if CHEAPER.search(folded):
            ctx.intent, ctx.confidence = "cheaper_alternatives", 0.9
            return
        if MORE.search(folded) and not has_taxonomy and not ctx.authors:
            ctx.intent, ctx.confidence = "show_more_products", 0.9
            return
        if ctx.authors:
            ctx.intent, ctx.confidence = "author_search", 0.9
            return
        if shown and not has_taxonomy and (fuzzy := fuzzy_follow_up(folded_words)):
            ctx.intent, ctx.confidence = fuzzy, 0.75  # a follow-up with a typo
            return
        if contains(folded, SHOP_QUESTIONS) and not (has_taxonomy or gift_context or ctx.budget):
            ctx.intent, ctx.confidence = "question", 0.8
            return
        search_verb = contains(folded, SEARCH_VERBS)
        display_verb = contains(folded, DISPLAY_VERBS)
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
    def _inquiry(message: str, folded: str, shown: list[ProductHit]) -> ProductInquiry | None:
        if match := PRODUCT_ID.search(message):
            wanted = match.group(1).upper()
            if any(p.id.upper() == wanted for p in shown):
                return ProductInquiry(product_id=wanted)
        for word, position in ORDINALS.items():
            if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", folded) and INQUIRY_CUES.search(folded):
                return ProductInquiry(ordinal=position)
        titles = [(p, analysis.fold(p.title)) for p in shown]
        for product, title in titles:
            if title and title in folded:
                return ProductInquiry(product_id=product.id, product_name=product.title)
        for product, title in titles:
            significant = [w for w in analysis.words(title)
                           if len(w) >= 4 and w not in analysis.STOP_WORDS]
            if significant and any(re.search(rf"\b{re.escape(w)}", folded) for w in significant) \
                    and INQUIRY_CUES.search(folded):
                return ProductInquiry(product_name=product.title)
        if DEMONSTRATIVE.search(folded) and INQUIRY_CUES.search(folded):
            return ProductInquiry(ordinal=1)
        return None
