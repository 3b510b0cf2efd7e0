"""What the assistant says: the offline answer writer, in Estonian and English.

Templates, not a model, but written to be worth reading: the answer complements the product
cards shown beside it (a first pick and why, what sets another apart, the price range) rather
than listing them again, speaks to the recipient, occasion and budget, warns when the budget
could not be met, and ends with follow-ups the assistant itself understands. Estonian answers are
wholly Estonian and English ones wholly English (product titles stay as the catalog has them).
The sentences avoid inflecting catalog names, which Estonian would need.

An `AnswerWriter` streams the answer around the product cards: `preface` before the search
result is known (so it can stream while the search runs), then `body` about the products.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Protocol

from toolkit.assistant.context import Budget, GiftContext
from toolkit.assistant.search import RefinementIdeas
from toolkit.assistant.vocabulary import occasion_label, recipient_label
from toolkit.llm.offline import word_chunks
from toolkit.shop import lexicon
from toolkit.shop.search import ProductHit, SearchResult
from toolkit.shop.taxonomy import natural_name

CHUNK_WORDS = 4  # words per streamed text delta


def price_text(price: float, language: str) -> str:
    if language == "et":
        return f"{price:.2f}".replace(".", ",") + " €"
    return f"€{price:.2f}"


def budget_text(budget: Budget | None, language: str) -> str | None:
    if budget is None or (budget.min is None and budget.max is None):
        return None
    low, high = budget.min, budget.max
    et = language == "et"
    if low is not None and high is not None:
        return (f"{price_text(low, 'et')} kuni {price_text(high, 'et')}" if et
                else f"{price_text(low, 'en')} to {price_text(high, 'en')}")
    if high is not None:
        return f"kuni {price_text(high, 'et')}" if et else f"up to {price_text(high, 'en')}"
    assert low is not None  # one of the two is set
    return f"alates {price_text(low, 'et')}" if et else f"from {price_text(low, 'en')}"


def display_name(name: str | None, language: str) -> str | None:
    """A catalog taxonomy name as the answer's language calls it ("Krimi" -> "crime")."""
    if not name:
        return None
    if language == "et":
        return name
    for word in name.split():
        for concept in lexicon.concepts_for(word, inflected=True):
            # A name already in English ("Books") stays as it is, only lower-cased.
            return name.lower() if word.lower() in concept.en else concept.en[0]
    return name


# A sentence about a product of a kind, keyed by lexicon concept.
_ABOUT = {
    "crime": ("Pingeline lugu, mida on raske käest panna.", "A gripping read that is hard to put down."),
    "fantasy": ("Maagiline maailm, kuhu on hea ära kaduda.", "A magical world to get lost in."),
    "scifi": ("Mõtlemapanev lugu tulevikust.", "A thought-provoking look at the future."),
    "cookbook": ("Retseptid, mis toovad lauale rõõmu.", "Recipes that bring joy to the table."),
    "poetry": ("Luule, mida lugeda aeglaselt.", "Poems to read slowly."),
    "children": ("Tore valik lapsele lugemiseks või ettelugemiseks.", "A lovely pick to read with a child."),
    "youth": ("Noortele, kes loevad hea meelega.", "For young readers who love a good story."),
    "history": ("Minevik, mis ärkab ellu.", "The past, brought to life."),
    "romance": ("Soe lugu armastusest.", "A warm story of love."),
    "science": ("Teadus, mis on selgeks tehtud.", "Science made clear."),
    "classics": ("Klassika, mis ei vanane.", "A classic that does not age."),
    "biography": ("Aus lugu ühest elust.", "An honest story of a life."),
    "board_game": ("Toredaks mänguõhtuks koos perega.", "For a good game night with family and friends."),
    "toy": ("Mänguasi, mis kutsub mängima.", "A toy that invites play."),
    "mug": ("Mõnus igapäevaseks kasutamiseks.", "Nice for every day."),
    "candle": ("Loob koju hubase õhkkonna.", "Makes a home feel cosy."),
    "gift_set": ("Valmis kingitus, mida on hea üle anda.", "A ready-made gift, easy to give."),
    "jewellery": ("Ilus ja isiklik kingitus.", "A beautiful and personal gift."),
    "notebook": ("Hea kaaslane mõtete kirjapanekuks.", "A good companion for ideas."),
}


def _about(product: ProductHit, language: str) -> str:
    for name in (product.category, product.product_type):
        for word in (name or "").split():
            for concept in lexicon.concepts_for(word, inflected=True):
                if concept.key in _ABOUT:
                    return _ABOUT[concept.key][0 if language == "et" else 1]
    return "Hea valik." if language == "et" else "A good choice."


def chunks(text: str, size: int = CHUNK_WORDS) -> Iterable[str]:
    """The text as streamed deltas of a few words each (spaces kept)."""
    return word_chunks(text, size)


def _gift_phrase(ctx: GiftContext, language: str) -> str | None:
    recipient = recipient_label(ctx.recipient, language)
    occasion = occasion_label(ctx.occasion, language)
    parts = [p for p in (recipient, occasion) if p]
    return (" " if language == "et" else ", ").join(parts) if parts else None


# -- decisions other than search ------------------------------------------------------------


def refine_reply(language: str, reason: str = "") -> tuple[str, list[str]]:
    if language == "en":
        return ("Sorry, I could not make sense of that. Tell me who the gift is for, what they "
                "like or how much you would like to spend, and I will find something.",
                ["A gift for my mother under €30", "Crime novels", "A board game for the family"])
    return ("Vabandust, ma ei saanud sellest päris aru. Kirjuta, kellele kingitust otsid, mis "
            "talle meeldib või kui palju soovid kulutada, ja ma leian midagi sobivat.",
            ["Kingitus emale alla 30 euro", "Krimiromaanid", "Lauamäng perele"])


def clarify_reply(ctx: GiftContext) -> tuple[str, list[str]]:
    missing_recipient = not ctx.recipient
    missing_budget = ctx.budget is None
    if ctx.language == "en":
        asks = []
        if missing_recipient:
            asks.append("who is it for")
        if not ctx.occasion:
            asks.append("what is the occasion")
        if missing_budget:
            asks.append("do you have a budget in mind")
        question = ", ".join(asks) if asks else "what kind of product would you like"
        return (f"Happy to help you find something! Tell me a little more: {question}?",
                ["A birthday gift for my mother", "A book for a 10 year old under €20",
                 "A board game for the family"])
    asks = []
    if missing_recipient:
        asks.append("kellele kingitus on")
    if not ctx.occasion:
        asks.append("mis puhul")
    if missing_budget:
        asks.append("kas sul on eelarve ka silmas")
    question = ", ".join(asks) if asks else "millist toodet sa otsid"
    return (f"Aitan hea meelega! Räägi veidi lähemalt: {question}?",
            ["Kingitus emale sünnipäevaks", "Raamat 10-aastasele alla 20 euro", "Lauamäng perele"])


def conversational_reply(ctx: GiftContext) -> tuple[str, list[str]]:
    en = ctx.language == "en"
    if ctx.intent == "greeting":
        text = ("Hello! I am the assistant of a book and gift shop. Tell me who you are looking for "
                "a gift for, or what you would like to read, and I will suggest something."
                if en else
                "Tere! Olen raamatu- ja kingipoe abiline. Kirjuta, kellele kingitust otsid või mida "
                "sooviksid lugeda, ja pakun sulle sobivaid valikuid.")
    elif ctx.intent == "thanks":
        text = ("You are welcome! Let me know if you would like to see anything else."
                if en else "Pole tänu väärt! Anna teada, kui soovid veel midagi vaadata.")
    elif ctx.intent == "question":
        text = ("I can search the shop's books, gifts, toys, board games, stationery and home items: "
                "by kind, author, recipient, occasion, age and budget, and tell you more about any "
                "product I show. Orders, delivery and payment I cannot see; the shop's staff can "
                "help with those."
                if en else
                "Oskan otsida poe raamatuid, kingitusi, mänguasju, lauamänge, kirjatarbeid ja "
                "kodukaupu: liigi, autori, saaja, sündmuse, vanuse ja eelarve järgi, ning rääkida "
                "lähemalt igast tootest, mida näitan. Tellimusi, tarnet ja makseid ma ei näe, nendega "
                "aitab poe klienditeenindus.")
    else:
        text = ("I am not sure I understood. I help find books and gifts: tell me what you are "
                "looking for." if en else
                "Ma ei ole kindel, et sain aru. Aitan leida raamatuid ja kingitusi: kirjuta, mida "
                "otsid.")
    suggestions = (["Crime novels under €20", "A gift for my mother", "Books by Tolkien"] if en
                   else ["Krimiromaanid alla 20 euro", "Kingitus emale", "Kivirähki raamatud"])
    return text, suggestions


def inquiry_reply(ctx: GiftContext, product: ProductHit | None) -> tuple[str, list[str]]:
    en = ctx.language == "en"
    if product is None:
        return (("Which of the products shown do you mean? Tell me its title or its place in "
                 "the list (first, second, third).") if en else
                ("Millist näidatud toodet silmas pead? Kirjuta selle pealkiri või järjekorranumber "
                 "(esimene, teine, kolmas)."),
                ["The first one", "Show me more"] if en else ["Räägi esimesest", "Näita veel"])
    title, price = product.title, price_text(product.price, ctx.language)
    author = natural_name(product.author) if product.author else None
    kind = display_name(product.category or product.product_type, ctx.language)
    parts = []
    if en:
        parts.append(f"“{title}”" + (f" by {author}" if author else "") + f" costs {price}.")
        if kind:
            parts.append(f"It is in {kind}. {_about(product, 'en')}")
    else:
        parts.append(f"„{title}“" + (f" ({author})" if author else "") + f" maksab {price}.")
        if kind:
            parts.append(f"Kategooria: {kind}. {_about(product, 'et')}")
    age_min, age_max = product.age_min, product.age_max
    if ctx.age is not None:
        fits = (age_min is None or age_min <= ctx.age) and (age_max is None or age_max >= ctx.age)
        if en:
            parts.append(f"It suits a {ctx.age}-year-old." if fits else
                         f"It is meant for ages {age_min}{'–' + str(age_max) if age_max else '+'}, "
                         f"so for a {ctx.age}-year-old I would look for something else.")
        else:
            parts.append(f"See sobib {ctx.age}-aastasele." if fits else
                         f"See on mõeldud vanusele {age_min}{'–' + str(age_max) if age_max else '+'}, "
                         f"seega {ctx.age}-aastasele soovitaksin midagi muud.")
    elif age_min is not None:
        parts.append(f"Recommended age: {age_min}{'–' + str(age_max) if age_max else '+'}." if en
                     else f"Soovitatav vanus: {age_min}{'–' + str(age_max) if age_max else '+'}.")
    if product.in_popular_list:
        parts.append("It is one of our popular picks." if en else "See on üks meie populaarsemaid valikuid.")
    suggestions = (["More by this author", "Something cheaper", "Show me more"] if en and author
                   else ["Something cheaper", "Show me more"] if en
                   else ["Sama autori teosed", "Midagi odavamat", "Näita veel"] if author
                   else ["Midagi odavamat", "Näita veel"])
    return " ".join(parts), suggestions


def no_results_reply(ctx: GiftContext, ideas: RefinementIdeas) -> tuple[str, list[str]]:
    """A refinement with concrete suggestions when a search found nothing: never empty."""
    en = ctx.language == "en"
    lines = ["I could not find anything that matches all of that." if en else
             "Ma ei leidnud midagi, mis vastaks kõigile soovidele."]
    suggestions = []
    if ideas.cheapest_price is not None and ideas.suggested_max is not None:
        wider = price_text(ideas.cheapest_price, ctx.language)
        lines.append(f"The closest products start at {wider}: you could widen the budget." if en
                     else f"Lähimad tooted algavad hinnast {wider}: võiksid eelarvet suurendada.")
        suggestions.append(f"Up to {ideas.suggested_max:.0f} euros" if en
                           else f"Kuni {ideas.suggested_max:.0f} eurot")
    for category in ideas.categories[:2]:
        name = display_name(category, ctx.language)
        suggestions.append(name.capitalize() if name else category)
    if ideas.categories:
        names = ", ".join(display_name(c, ctx.language) or c for c in ideas.categories[:3])
        lines.append(f"Popular categories to try: {names}." if en
                     else f"Proovi mõnda teist kategooriat: {names}.")
    lines.append("Or tell me more about the person the gift is for." if en
                 else "Või räägi veidi lähemalt, kellele kingitust otsid.")
    suggestions.append("A gift for my mother" if en else "Kingitus emale")
    return " ".join(lines), suggestions[:4]


# -- the search answer --------------------------------------------------------------------


def preface(ctx: GiftContext) -> str:
    """The opening sentence, written before the search result is known."""
    en = ctx.language == "en"
    gift = _gift_phrase(ctx, ctx.language)
    kind = display_name(ctx.category or ctx.product_type, ctx.language)
    budget = budget_text(ctx.budget, ctx.language)
    if ctx.intent == "show_more_products":
        return "Here are a few more options." if en else "Siin on veel mõned valikud."
    if ctx.intent == "cheaper_alternatives":
        return (f"Here are some cheaper options, {budget}." if en and budget else
                "Here are some cheaper options." if en else
                f"Siin on soodsamaid valikuid, {budget}." if budget else "Siin on soodsamaid valikuid.")
    if ctx.intent == "cheapest":
        return "Here are the cheapest options, lowest price first." if en else \
            "Siin on kõige soodsamad valikud, odavaim eespool."
    if ctx.intent == "author_search" and ctx.authors:
        author = natural_name(ctx.authors[0])
        return (f"Here is what we have by {author}." if en
                else f"Siin on autori {author} teosed, mis meil on.")
    if en:
        bits = ["Here are my picks"]
        if gift:
            bits.append(gift)
        if kind:
            bits.append(f"in the {kind} category")
        if budget:
            bits.append(f"({budget})")
        return " ".join(bits) + "."
    bits = ["Siin on minu valikud"]
    if gift:
        bits.append(gift)
    if kind:
        bits.append(f"kategooriast „{kind}“")
    if budget:
        bits.append(f"(eelarve {budget})")
    return " ".join(bits) + "."


def safety_preface(ctx: GiftContext, result: SearchResult | None) -> str | None:
    """A warning before the cards when the budget could not be met."""
    if result is None:
        return None
    codes = {w.code for w in result.warnings}
    budget = budget_text(ctx.budget, ctx.language)
    en = ctx.language == "en"
    if "none_in_budget" in codes:
        return (f"Nothing matched within {budget}, so these are the closest by price." if en else
                f"Eelarvesse {budget} ei mahtunud ükski sobiv toode, seega näitan hinnalt lähimaid.")
    if "few_in_budget" in codes:
        return (f"Only a few matches fit within {budget}; the rest shown are just above it." if en
                else f"Eelarvesse {budget} mahtus vaid mõni toode; ülejäänud on veidi kallimad.")
    if "taxonomy_relaxed" in codes:
        return ("I found nothing in that category, so here are matches from the whole shop." if en
                else "Selles kategoorias ei leidnud midagi, seega näitan sobivaid tooteid kogu poest.")
    return None


def _quoted(title: str, language: str) -> str:
    return f"“{title}”" if language == "en" else f"„{title}“"


def product_notes(ctx: GiftContext, products: list[ProductHit]) -> str:
    """What the cards beside the answer do not say. The cards show every title, author and
    price, so the answer does not list them again: it names a first pick and why, at most one
    other product that stands out (the most affordable, else a popular one), the price range
    when no budget frames it, and which products are over the budget."""
    if not products:
        return ""
    en = ctx.language == "en"
    first = products[0]
    author = natural_name(first.author) if first.author else None
    who = (f" by {author}" if en else f" ({author})") if author else ""
    parts = [(f"My first pick is {_quoted(first.title, 'en')}{who}. " if en else
              f"Minu esimene valik on {_quoted(first.title, 'et')}{who}. ")
             + _about(first, ctx.language)]
    others = products[1:]
    cheapest = min(products, key=lambda p: p.price)
    popular = next((p for p in others if p.in_popular_list), None)
    if cheapest is not first and cheapest.price < first.price:
        parts.append(f"{_quoted(cheapest.title, 'en')} is the most affordable." if en else
                     f"Kõige soodsam on {_quoted(cheapest.title, 'et')}.")
    elif popular is not None:
        parts.append(f"{_quoted(popular.title, 'en')} is one of our most popular picks." if en
                     else f"{_quoted(popular.title, 'et')} on üks meie populaarsemaid valikuid.")
    prices = sorted({p.price for p in products})
    if len(prices) > 1 and (ctx.budget is None or ctx.budget.max is None):
        low, high = price_text(prices[0], ctx.language), price_text(prices[-1], ctx.language)
        parts.append(f"Prices run from {low} to {high}." if en else
                     f"Hinnad jäävad vahemikku {low} kuni {high}.")
    above = sum(p.outside_budget for p in products)
    if above:
        parts.append(("One of them is" if above == 1 else f"{above} of them are")
                     + " just above your budget." if en else
                     ("Üks neist on" if above == 1 else f"{above} neist on") + " veidi üle eelarve.")
    return " ".join(parts)


def closing(ctx: GiftContext, products: list[ProductHit]) -> str:
    en = ctx.language == "en"
    budget = ctx.budget
    within = budget is not None and budget.max is not None and all(
        p.price <= budget.max for p in products)
    parts = []
    if within:
        parts.append(f"All of them fit your budget ({budget_text(budget, ctx.language)})." if en
                     else f"Kõik mahuvad eelarvesse ({budget_text(budget, ctx.language)}).")
    if ctx.age is not None:
        parts.append(f"I kept to what suits a {ctx.age}-year-old." if en
                     else f"Valisin tooted, mis sobivad {ctx.age}-aastasele.")
    parts.append("Would you like to see more, or something cheaper?" if en
                 else "Kas soovid näha veel valikuid või midagi soodsamat?")
    return " ".join(parts)


SENTENCE_ENDS = tuple(".!?…:;)\"»“”")


def rest_of_answer(ctx: GiftContext, products: list[ProductHit], written: str) -> str:
    """What the templates add when a model stopped mid-answer: its last sentence closed, the
    notes on the products if it had named none of them yet, and the closing; to follow
    `written` directly."""
    said = written.casefold()
    parts = []
    if not any(p.title.casefold() in said for p in products):
        parts.append(product_notes(ctx, products))
    parts.append(closing(ctx, products))
    stripped = written.rstrip()
    cut = bool(stripped) and not stripped.endswith(SENTENCE_ENDS)
    before = "" if not written or written[-1].isspace() else " "
    return ("… " if cut else before) + " ".join(parts)


def search_suggestions(ctx: GiftContext, products: list[ProductHit]) -> list[str]:
    en = ctx.language == "en"
    items = ["Show me more", "Something cheaper"] if en else ["Näita veel", "Midagi odavamat"]
    if any(p.author for p in products):
        items.append("More by this author" if en else "Sama autori teosed")
    if ctx.intent != "cheapest":
        items.append("The cheapest" if en else "Kõige odavam")
    if not ctx.recipient:
        items.append("A gift for my mother" if en else "Kingitus emale")
    return items[:4]


class AnswerWriter(Protocol):
    """Streams the answer of a search turn. A model may implement it later."""

    name: str

    def preface(self, ctx: GiftContext) -> AsyncIterator[str]: ...

    def body(self, ctx: GiftContext, products: list[ProductHit]) -> AsyncIterator[str]: ...


class TemplateAnswerWriter:
    """The offline writer: the templates above, streamed a few words at a time."""

    name = "templates"

    async def preface(self, ctx: GiftContext) -> AsyncIterator[str]:
        for part in chunks(preface(ctx)):
            yield part

    async def body(self, ctx: GiftContext, products: list[ProductHit]) -> AsyncIterator[str]:
        for part in chunks(" " + product_notes(ctx, products) + " " + closing(ctx, products)):
            yield part
