"""Product search: BM25 over the catalog's full-text index, structured filters, rerank, diversity.

A query (and any hint queries from the conversation) is planned into *term groups*: one per
query word, holding every index term that word may mean: its Estonian lemma and English stem
(for a name or typo no dictionary knows: the word without a case ending, or index terms that
extend it), the parts of a compound ("krimiromaanid" -> "krimi" + "romaan") and the words of the same concept in the other
language ("crime" -> "krimi"), and the other language's name for exactly this thing
("kaisukaru" -> "teddy bear", matched as one term). A product scores, per group, its best
term's BM25, summed over groups, so a word counts once however many of its forms a product
contains; the sum is scaled by the share of the query's words the product matches (a
coordination factor), so matching more of the distinct words beats repeating one.

The SQL is fixed text; the query's terms, weights and every filter value are bound parameters.
User text never becomes SQL.

Then a rerank weighs relevance, popularity and budget fit; a diversity pass keeps the top from
being one author or one work in several editions; and funnel warnings say when the filters had
to be relaxed (nothing within the budget: the closest are shown, marked `outside_budget`).
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from toolkit.core.errors import SearchError
from toolkit.shop import lexicon
from toolkit.shop import text as analysis
from toolkit.shop.catalog import PRODUCT_COLUMNS, Catalog, Row
from toolkit.shop.vocabulary import Vocabulary

HINT_WEIGHT = 0.6  # a hint query (from the conversation) counts less than what the user typed
CONCEPT_WEIGHT = 0.6  # a word of the same concept ("crime" for "krimi") counts less than the word
TRANSLATION_WEIGHT = 0.95  # the other language's name for the same thing ("kaisukaru", "teddy bear")
MAX_QUERY_WORDS = 32  # a pasted essay is cut here, with a warning
MAX_ALTERNATIVES = 24  # index terms one query word may stand for
CANDIDATES = 120  # rows fetched for the rerank
# What the rerank and diversity read of a candidate; whole rows are read only for those shown.
RANKING_COLUMNS = ("title", "author", "price", "in_popular_list")
MIN_IN_BUDGET = 3  # fewer within budget than this and the closest outside are added, marked

Sort = Literal["relevance", "price_asc", "price_desc"]
WarningCode = Literal[
    "query_truncated", "no_text_match", "none_in_budget", "few_in_budget", "taxonomy_relaxed",
    "no_results",
]


def _as_list(value: object) -> object:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return value


class SearchFilters(BaseModel):
    """Structured filters. Text values match case- and accent-insensitively."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_price: float | None = Field(default=None, ge=0)
    max_price: float | None = Field(default=None, ge=0)
    product_types: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()  # a product matches if its author contains any of these
    age: int | None = Field(default=None, ge=0, le=120)
    exclude_ids: tuple[str, ...] = ()

    _lists = field_validator("product_types", "categories", "authors", "exclude_ids",
                             mode="before")(_as_list)

    @model_validator(mode="after")
    def _budget_in_order(self) -> SearchFilters:
        if (self.min_price is not None and self.max_price is not None
                and self.min_price > self.max_price):
            raise ValueError(f"min_price {self.min_price} is above max_price {self.max_price}")
        return self

    @property
    def has_budget(self) -> bool:
        return self.min_price is not None or self.max_price is not None

    @classmethod
    def build(cls, **values: object) -> SearchFilters:
        """Filters from loose values, or a `SearchError` that names each bad one."""
        try:
            return cls(**values)
        except ValidationError as e:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'filters'}: {err['msg']}"
                for err in e.errors()
            )
            raise SearchError(f"invalid search filters: {problems}") from None

    def without_budget(self) -> SearchFilters:
        return self.model_copy(update={"min_price": None, "max_price": None})

    def without_taxonomy(self) -> SearchFilters:
        return self.model_copy(update={"product_types": (), "categories": ()})


class ProductHit(BaseModel):
    """A product as search returns it, with how it ranked."""

    id: str
    title: str
    author: str | None = None
    description: str | None = None
    product_type: str | None = None
    category: str | None = None
    language: str | None = None
    age_min: int | None = None
    age_max: int | None = None
    price: float
    in_popular_list: bool = False
    image_url: str | None = None
    score: float = 0.0  # the rerank's final score, 0-1
    relevance: float = 0.0  # BM25 relative to the best candidate, 0-1
    outside_budget: bool = False  # shown as the closest match although the budget excludes it


class FunnelWarning(BaseModel):
    code: WarningCode
    message: str


class SearchMetrics(BaseModel):
    total_ms: float
    sql_ms: float
    rerank_ms: float
    candidates: int
    query_words: int
    matched_words: int
    index_terms: int  # index terms the query's words were widened to
    relaxations: list[str] = Field(default_factory=list)


class DiversityInfo(BaseModel):
    distinct_authors_top3: int
    demoted: int  # products moved down because an author or work was already above them


class TermGroupInfo(BaseModel):
    word: str
    weight: float
    terms: list[str]


class SearchResult(BaseModel):
    query: list[str]
    filters: SearchFilters
    sort: Sort
    products: list[ProductHit]
    warnings: list[FunnelWarning]
    metrics: SearchMetrics
    diversity: DiversityInfo
    plan: list[TermGroupInfo]


# -- query planning ----------------------------------------------------------------------------


@dataclass
class TermGroup:
    """The index terms one query word stands for, each with its multiplier (before idf)."""

    word: str
    weight: float
    alternatives: dict[str, float] = field(default_factory=dict)
    # The user's words (folded) this group stands for: its own word; for a part of a compound,
    # the compound ("krimi" stands for "krimiromaanid"); for a phrase of the shop's vocabulary
    # ("teddy bear"), each of its words. A product covers a word if any group for it matches.
    covers: tuple[str, ...] = ()

    def add(self, term: str, multiplier: float) -> None:
        if multiplier > self.alternatives.get(term, 0.0):
            self.alternatives[term] = multiplier


def _inflections(vocab: Vocabulary, stem: str, multiplier: float, group: TermGroup,
                 language: str = "et", word: str = "") -> None:
    """Add `stem` if the index has it. Inflected forms need nothing more: the index and the
    query share lemmas (`toolkit.shop.morphology`). A word whose key the index lacks (a name,
    a typo) falls back, in Estonian, to the word without a case ending ("Dickensi",
    "Napoleonist"), keyed in English too (a name is a name in both), and then to index terms
    that extend it, or it without its last two letters, by a few ("sherlok" -> "sherlock")."""
    if not stem:
        return
    if stem in vocab.terms:
        group.add(stem, multiplier)
        return
    if language == "en" or not word or len(word) < 4:
        return
    for base in analysis.without_case_ending(word):
        for candidate in (base, analysis.stem(base, "en")):
            if candidate in vocab.terms:
                group.add(candidate, multiplier * 0.9)
                return
    folded = analysis.fold(word)
    for term in vocab.extensions(folded):
        group.add(term, multiplier * 0.9)
    if len(folded) >= 6 and not group.alternatives:  # its last letters mistyped or inflected
        for term in vocab.extensions(folded[:-2]):
            group.add(term, multiplier * 0.8)


def _compound_parts(vocab: Vocabulary, stem: str) -> list[str] | None:
    """Split an unknown compound into a known head and a known (possibly inflected) tail."""
    if len(stem) < 8:
        return None
    for split in range(len(stem) - 4, 3, -1):
        head, tail = stem[:split], stem[split:]
        if head in vocab.terms:
            probe = TermGroup(tail, 1.0)
            _inflections(vocab, analysis.stem(tail, "et"), 1.0, probe)
            if probe.alternatives:
                return [head, tail]
    return None


OTHER_LANGUAGE_WEIGHT = 0.75  # the reading of a word in the language the query is not in


def plan_query(vocab: Vocabulary, queries: Sequence[tuple[str, float]]) -> list[TermGroup]:
    """Term groups for weighted query texts; a word that appears twice keeps its higher weight."""
    groups: dict[str, TermGroup] = {}
    language: str = analysis.detect_language(" ".join(text for text, _ in queries))
    other = "en" if language == "et" else "et"
    # The other language's reading of each word, if the catalog has that language at all.
    bilingual = not vocab.languages or vocab.has_language(other)
    read_other, other_only_if_missing = bilingual, False
    if vocab.languages and not vocab.has_language(language) and vocab.has_language(other):
        # A short query's language is a guess; a catalog in one language makes its own the
        # first reading of each word, and the guessed one a fallback for a word the first
        # reading does not find ("Dickensi" -> Dickens), never an addition ("stories" must not
        # widen to "storm" as an Estonian stem).
        language, other, read_other, other_only_if_missing = other, language, True, True

    def add_name(group: TermGroup, name: str, name_language: str, multiplier: float) -> None:
        """A word or a multi-word name of the vocabulary, in the languages the catalog has; a
        name of several words only as the index's one term for it ("teddy bear" as a whole,
        never "bear" alone)."""
        if vocab.languages and not vocab.has_language(name_language):
            return
        stems = [t for w in analysis.words(name) if len(w) > 1
                 and (t := analysis.stem(w, name_language))]
        if len(stems) == 1:
            _inflections(vocab, stems[0], multiplier, group, name_language)
        elif stems and (term := analysis.phrase_term(stems)) in vocab.terms:
            group.add(term, multiplier)

    def widen(group: TermGroup, concept: lexicon.Concept) -> None:
        """The concept's words, in the languages the catalog has. On a catalog in one language,
        a word of that language only stands in when the user's word itself is not in the
        catalog: widening "children" to "tale" and "fairy" on an English catalog adds noise."""
        # On a bilingual catalog the user's word may be a false friend ("lastele" -> "last"),
        # so there the concept's words always join.
        found = any(m >= 0.9 for m in group.alternatives.values()) and not bilingual
        for synonym, synonym_language in lexicon.concept_terms(concept, split_phrases=False):
            if synonym_language == language and found:
                continue
            add_name(group, synonym, synonym_language, CONCEPT_WEIGHT)

    def translate(group: TermGroup, name: str) -> None:
        """The other language's names for exactly this word or phrase, nearly at full weight."""
        for reading in (language, other):
            for equivalent, equivalent_language in lexicon.equivalents(name, reading):
                add_name(group, equivalent, equivalent_language, TRANSLATION_WEIGHT)

    def plan_word(word: str, weight: float, unit: str | None = None) -> None:
        key = analysis.fold(word)
        if key in analysis.STOP_WORDS:
            return
        if key in groups:
            groups[key].weight = max(groups[key].weight, weight)
            return
        group = TermGroup(word, weight, covers=(unit or key,))
        readings: dict[str, float] = {language: 1.0}
        if read_other:
            readings[other] = OTHER_LANGUAGE_WEIGHT
        for reading, multiplier in sorted(readings.items(), key=lambda kv: kv[1]):
            if reading == other and other_only_if_missing:
                continue
            _inflections(vocab, analysis.stem(word, reading), multiplier, group, reading, word)
        if other_only_if_missing and not any(m >= 0.9 for m in group.alternatives.values()):
            _inflections(vocab, analysis.stem(word, other), OTHER_LANGUAGE_WEIGHT, group, other,
                         word)
        if not any(m >= 0.9 for m in group.alternatives.values()):
            for reading in readings:
                parts = _compound_parts(vocab, analysis.stem(word, reading))
                if parts:
                    for part in parts:
                        plan_word(part, weight * 0.8, unit=key)
                    break
        translate(group, word)
        for concept in lexicon.concepts_for(word):
            widen(group, concept)
        if group.alternatives or key not in groups:
            groups[key] = group

    def plan_phrases(text: str, weight: float) -> None:
        """A multi-word name of the vocabulary in the query ("teddy bear") is a group of its
        own, covering its words: the name as one term, its other-language names ("kaisukaru")
        and its concept's words."""
        found = analysis.words(text)[:MAX_QUERY_WORDS]
        names = lexicon.index_phrases()
        for size in sorted({len(n) for n in names}):
            for i in range(len(found) - size + 1):
                window = found[i:i + size]
                for reading in (language, other):
                    stems = tuple(analysis.stem(w, reading) for w in window)
                    if stems not in names and (*stems[:-1], stems[-1].removesuffix("s")) in names:
                        stems = (*stems[:-1], stems[-1].removesuffix("s"))
                    if stems not in names:
                        continue
                    term = analysis.phrase_term(stems)
                    group = groups.setdefault(f"{term}:", TermGroup(
                        " ".join(window), weight, covers=tuple(analysis.fold(w) for w in window)))
                    if term in vocab.terms:
                        group.add(term, 1.0)
                    translate(group, " ".join(window))
                    for _, concept in lexicon.phrases_in(" ".join(window)):
                        widen(group, concept)
                    break

    for text, weight in queries:
        for word in analysis.words(text)[:MAX_QUERY_WORDS]:
            plan_word(word, weight)
        plan_phrases(text, weight)
    _count_each_term_once(list(groups.values()))
    for group in groups.values():
        best = sorted(group.alternatives.items(),
                      key=lambda kv: (-kv[1], -vocab.terms[kv[0]][1]))[:MAX_ALTERNATIVES]
        group.alternatives = dict(best)
    return list(groups.values())


def _count_each_term_once(groups: list[TermGroup]) -> None:
    """Keep a widened term from scoring for two of the query's words.

    A term the user typed for one word does not also stand in, widened, for another: in
    "muinasjutud lastele" the children's concept would otherwise let "laps" (for "lastele")
    cover "muinasjutud" too, and every toy "for children" would match the whole query. And a
    phrase's group shares its words with their own groups: a widened term in both ("plush" for
    "teddy" and for "teddy bear") stays only where it weighs more (the phrase on a tie), or a
    plush fox would outscore the Estonian name of a teddy bear."""
    typed = {term for group in groups for term, m in group.alternatives.items() if m >= 0.9}
    for group in groups:
        own = {term for term, m in group.alternatives.items() if m >= 0.9}
        group.alternatives = {term: m for term, m in group.alternatives.items()
                              if m >= 0.9 or term not in typed - own}
    for phrase in (g for g in groups if len(g.covers) > 1):
        for group in groups:
            if group is phrase or not set(group.covers) <= set(phrase.covers):
                continue
            for term in set(group.alternatives) & set(phrase.alternatives):
                if group.alternatives[term] > phrase.alternatives[term]:
                    del phrase.alternatives[term]
                else:
                    del group.alternatives[term]


def known_word_count(catalog: Catalog, text: str) -> int:
    """How many of the text's words the catalog's index knows, in any of their forms."""
    return sum(1 for group in plan_query(catalog.vocabulary(), [(text, 1.0)])
               if group.alternatives and len(group.covers) <= 1)  # a phrase is not another word


# -- SQL -----------------------------------------------------------------------------------------


def _filter_sql(filters: SearchFilters) -> tuple[str, list[object]]:
    """WHERE clauses over `pr` (products) from fixed fragments; every value is a parameter."""
    clauses: list[str] = []
    params: list[object] = []
    if filters.min_price is not None:
        clauses.append("pr.price >= ?")
        params.append(filters.min_price)
    if filters.max_price is not None:
        clauses.append("pr.price <= ?")
        params.append(filters.max_price)
    if filters.product_types:
        clauses.append("list_contains(?, pr.product_type_key)")
        params.append([analysis.fold(v) for v in filters.product_types])
    if filters.categories:
        clauses.append("list_contains(?, pr.category_key)")
        params.append([analysis.fold(v) for v in filters.categories])
    if filters.authors:
        clauses.append("len([a for a in ? if contains(coalesce(pr.author_key, ''), a)]) > 0")
        params.append([analysis.fold(v) for v in filters.authors])
    if filters.age is not None:
        clauses.append("(pr.age_min IS NULL OR pr.age_min <= ?) AND (pr.age_max IS NULL OR pr.age_max >= ?)")
        params.extend([filters.age, filters.age])
    if filters.exclude_ids:
        clauses.append("NOT list_contains(?, pr.id)")
        params.append(list(filters.exclude_ids))
    return (" AND ".join(clauses) or "true"), params


def _order_sql(sort: Sort) -> str:
    return {
        "relevance": "score DESC, pr.in_popular_list DESC, pr.rid",
        "price_asc": "pr.price ASC, score DESC, pr.rid",
        "price_desc": "pr.price DESC, score DESC, pr.rid",
    }[sort]


def _group_idf(vocab: Vocabulary, group: TermGroup) -> float:
    """One idf for the whole group: that of its most common close form.

    The rarity of what the user typed decides a word's weight; its widened forms only decide
    where it matches. Otherwise a generic word ("raamat", in most of the catalog) would be
    outscored by a rare other-language form ("book" in three gift titles).
    """
    close = [vocab.terms[t][1] for t, m in group.alternatives.items() if m >= 0.8]
    df = max(close or [vocab.terms[t][1] for t in group.alternatives])
    return vocab.idf(df)


def _encode_terms(vocab: Vocabulary, groups: list[TermGroup]) -> str:
    """The query terms as one text parameter, "termid:group:weight,...": binding one string is
    several times cheaper in DuckDB than binding three lists, and it is still a parameter."""
    parts = []
    for g, group in enumerate(groups):
        idf = _group_idf(vocab, group)
        for term, multiplier in group.alternatives.items():
            parts.append(f"{vocab.terms[term][0]}:{g}:{group.weight * multiplier * idf:.6g}")
    return ",".join(parts)


COORDINATION_POWER = 1.0  # how strongly a product matching fewer of the query's words falls


def _coverage_sql(groups: list[TermGroup]) -> tuple[str, list[object]]:
    """The share of the query a product covers, as SQL over the per-group columns `g0`, `g1`...

    BM25 adds its words' scores, so a product can make up for a missing word by repeating
    another; the coordination factor (the share of the query's words it matches, weighted by
    each word's weight) makes one that matches more of the query's distinct words rank above one
    that matches fewer. A phrase group ("teddy bear" -> "kaisukaru") covers its words too.
    Only group numbers and bound weights enter the text."""
    units: dict[str, tuple[float, list[int]]] = {}
    for i, group in enumerate(groups):
        for unit in group.covers or (analysis.fold(group.word),):
            weight, members = units.get(unit, (0.0, []))
            units[unit] = (max(weight, group.weight), [*members, i])
    if len(units) <= 1:
        return "1.0", []
    parts = [f"(CASE WHEN {' OR '.join(f'g{i} > 0' for i in members)} THEN ? ELSE 0 END)"
             for _, members in units.values()]
    weights = [weight for weight, _ in units.values()]
    return f"(({' + '.join(parts)}) / ?)", [*weights, sum(weights)]


def _fetch(catalog: Catalog, groups: list[TermGroup], filters: SearchFilters, sort: Sort,
           limit: int) -> list[tuple[int, float]]:
    """(rid, bm25) of the products matching the groups and filters, in the sort's order; all
    products if no groups."""
    where, params = _filter_sql(filters)
    if groups:
        # One aggregate per group, in a single pass over the postings: a product's score is the
        # sum over groups of its best term in each. (Two nested GROUP BYs cost twice as much.)
        per_group = ", ".join(
            f"coalesce(max(q.w * p.tf_part) FILTER (WHERE q.grp = {g}), 0) AS g{g}"
            for g in range(len(groups)))
        total = " + ".join(f"g{g}" for g in range(len(groups)))
        covered, covered_params = _coverage_sql(groups)
        scored = f"""
            WITH q AS (
                SELECT t[1]::INTEGER AS termid, t[2]::INTEGER AS grp, t[3]::DOUBLE AS w
                FROM (SELECT string_split(unnest(string_split(?, ',')), ':') AS t)
            ),
            per_group AS (
                SELECT p.rid, {per_group}
                FROM search_postings p JOIN q ON p.termid = q.termid
                GROUP BY p.rid
            ),
            scored AS (
                SELECT rid, ({total}) * pow({covered}, {COORDINATION_POWER}) AS score
                FROM per_group
            )
        """
        head = [_encode_terms(catalog.vocabulary(), groups), *covered_params]
        if where == "true" and sort == "relevance":
            # Nothing to filter on: rank first, then read only the winners' product rows.
            sql = f"""{scored}
                SELECT rid, score FROM scored ORDER BY score DESC, rid LIMIT ?
            """
            params = [*head, limit]
        else:
            sql = f"""{scored}
                SELECT pr.rid, scored.score
                FROM scored JOIN products pr ON pr.rid = scored.rid
                WHERE {where}
                ORDER BY {_order_sql(sort)}
                LIMIT ?
            """
            params = [*head, *params, limit]
    else:
        sql = f"""
            SELECT pr.rid, 0.0 AS score FROM products pr
            WHERE {where}
            ORDER BY {_order_sql(sort).replace('score DESC', 'pr.in_popular_list DESC')}
            LIMIT ?
        """
        params = [*params, limit]
    with catalog.cursor() as cur:
        return [(rid, float(score)) for rid, score in cur.execute(sql, params).fetchall()]


def _contenders(ranked: list[tuple[int, float]], keep: int,
                slack: float) -> list[tuple[int, float]]:
    """The candidates (best first) that a rerank moving none by more than `slack` of the best
    one's relevance could still bring into the first `keep`: the rest cannot be shown, so
    their rows are not read (reading 120 rows was most of a first search at 100k products)."""
    if len(ranked) <= keep:
        return ranked
    top = ranked[0][1] or 1.0
    floor = ranked[keep - 1][1] / top - slack
    return [(rid, bm25) for rid, bm25 in ranked if bm25 / top >= floor]


@dataclass
class _Candidate:
    rid: int
    product: Row  # at least the `RANKING_COLUMNS`
    bm25: float


def _with_rows(catalog: Catalog, ranked: list[tuple[int, float]],
               columns: Sequence[str] = RANKING_COLUMNS) -> list[_Candidate]:
    """The candidates with their rows (at least `columns`): SQL ranks, the rows come from the
    catalog. A rid without a row (the catalog was replaced meanwhile) is left out."""
    rows = catalog.rows_by_rid([rid for rid, _ in ranked], columns)
    return [_Candidate(rid, rows[rid], bm25) for rid, bm25 in ranked if rid in rows]


# -- rerank and diversity ------------------------------------------------------------------------


def budget_fit(price: float, filters: SearchFilters) -> float:
    """1.0 for a price in the upper part of the budget (what a gift buyer means by it), less
    towards its floor, and falling off with the distance outside it."""
    low = filters.min_price or 0.0
    high = filters.max_price
    if high is None:
        return 1.0 if price >= low else max(0.0, 1 - (low - price) / max(low, 1.0))
    if price > high:
        return max(0.0, 1 - (price - high) / max(high, 1.0))
    if price < low:
        return max(0.0, 1 - (low - price) / max(low, 1.0))
    sweet = low + 0.4 * (high - low)
    return 1.0 if price >= sweet else 0.6 + 0.4 * (price - low) / max(sweet - low, 0.01)


@dataclass
class _Ranked:
    rid: int
    relevance: float
    score: float
    author_key: str
    work_key: str


POPULARITY_WEIGHT = 0.05  # a tie-breaker: it cannot lift a product over one 5% more relevant
BUDGET_FIT_WEIGHT = 0.20


def _rerank_weights(filters: SearchFilters, popularity: bool) -> tuple[float, float]:
    """The weights of popularity and of budget fit; relevance has the rest."""
    return (POPULARITY_WEIGHT if popularity else 0.0,
            BUDGET_FIT_WEIGHT if filters.has_budget else 0.0)


def _rerank(rows: list[_Candidate], filters: SearchFilters, sort: Sort,
            popularity: bool = True) -> list[_Ranked]:
    """Relevance first; popularity only where the catalog has it (some products on its
    popular list, not all), and the fit to a budget the user gave."""
    top = max((c.bm25 for c in rows), default=0.0) or 1.0
    pop, fit = _rerank_weights(filters, popularity)
    ranked = []
    for candidate in rows:
        product = candidate.product
        relevance = candidate.bm25 / top
        popular = 1.0 if product["in_popular_list"] else 0.0
        score = (1 - pop - fit) * relevance + pop * popular
        if fit:
            score += fit * budget_fit(product["price"], filters)
        ranked.append(_Ranked(candidate.rid, relevance, score,
                              (product["author"] or "").lower(), product["title"].lower()))
    if sort == "relevance":
        ranked.sort(key=lambda r: -r.score)
    return ranked


AUTHOR_REPEAT_PENALTY = 0.10  # subtracted per earlier pick by the same author
WORK_REPEAT_PENALTY = 0.15  # and per earlier pick of the same work (another edition)
DIVERSITY_FLOOR = 0.90  # no author penalty takes a product below this share of its own score
# Another edition of a work already shown adds little to a shelf: it may fall further, below a
# different product nearly as relevant (a translation's match, at 0.95).
EDITION_FLOOR = 0.80


def _diversify(ranked: list[_Ranked], window: int,
               asked: frozenset[str] = frozenset()) -> tuple[list[_Ranked], int]:
    """Greedy re-selection of the first `window` (maximal marginal relevance): each earlier pick
    by the same author, or of the same work, is subtracted from a candidate's score. Near-equal
    candidates interleave authors; a clearly better match (the author asked for) stays on top."""
    head, tail = ranked[:window], ranked[window:]
    chosen: list[_Ranked] = []
    authors: dict[str, int] = {}
    works: dict[str, int] = {}
    # An author the query names is what was asked for: no penalty for repeating them.
    named = {r.author_key for r in head
             if r.author_key and asked & set(analysis.words(analysis.fold(r.author_key)))}

    def adjusted(r: _Ranked) -> float:
        # Two by one author may stand together; the third is what makes a shelf of one author.
        author_repeats = max(authors.get(r.author_key, 0) - 1, 0) \
            if r.author_key and r.author_key not in named else 0
        editions = works.get(r.work_key, 0)
        penalised = (r.score - AUTHOR_REPEAT_PENALTY * author_repeats
                     - WORK_REPEAT_PENALTY * editions)
        # Diversity reorders comparable matches; it never sinks an exact match below noise.
        return max(penalised, r.score * (EDITION_FLOOR if editions else DIVERSITY_FLOOR))

    # Lazy greedy: a candidate's adjusted score only falls as picks accumulate, so a popped
    # candidate whose score is still current is the true best (O(n log n), not O(n^2)).
    heap = [(-r.score, i, r.score, r) for i, r in enumerate(head)]
    heapq.heapify(heap)
    while heap:
        _, i, stale, r = heapq.heappop(heap)
        current = adjusted(r)
        if current < stale:
            heapq.heappush(heap, (-current, i, current, r))
            continue
        chosen.append(r)
        authors[r.author_key] = authors.get(r.author_key, 0) + 1
        works[r.work_key] = works.get(r.work_key, 0) + 1
    order = {id(r): i for i, r in enumerate(ranked)}
    demoted = sum(1 for i, r in enumerate(chosen) if order[id(r)] < i)
    return chosen + tail, demoted


def _hits(shown: list[tuple[_Ranked, bool]], rows: dict[int, Row]) -> list[ProductHit]:
    """Cards for the products shown (each with whether it lies outside the budget), from
    their whole rows."""
    return [ProductHit(**rows[r.rid], score=round(r.score, 4), relevance=round(r.relevance, 4),
                       outside_budget=outside) for r, outside in shown if r.rid in rows]


# -- the search --------------------------------------------------------------------------------


def _budget_text(filters: SearchFilters) -> str:
    if filters.min_price is not None and filters.max_price is not None:
        return f"{filters.min_price:g}-{filters.max_price:g} EUR"
    if filters.max_price is not None:
        return f"up to {filters.max_price:g} EUR"
    return f"from {filters.min_price:g} EUR"


def _distance_to_budget(price: float, filters: SearchFilters) -> float:
    if filters.max_price is not None and price > filters.max_price:
        return price - filters.max_price
    if filters.min_price is not None and price < filters.min_price:
        return filters.min_price - price
    return 0.0


def search_products(
    catalog: Catalog,
    query: str | Sequence[str],
    filters: SearchFilters | dict[str, Any] | None = None,
    *,
    hints: Sequence[str] = (),
    limit: int = 10,
    sort: Sort = "relevance",
    diversify: bool = True,
) -> SearchResult:
    """Ranked products for a query (or several: the first is the user's, the rest and `hints`
    are hints at `HINT_WEIGHT`) under structured filters, with metrics and funnel warnings."""
    started = time.perf_counter()
    if isinstance(filters, dict):
        filters = SearchFilters.build(**filters)
    filters = filters or SearchFilters()
    if not isinstance(limit, int) or not 1 <= limit <= 500:
        raise SearchError(f"limit must be a whole number from 1 to 500, not {limit!r}")
    if sort not in ("relevance", "price_asc", "price_desc"):
        raise SearchError(f"sort must be relevance, price_asc or price_desc, not {sort!r}")
    texts = [query] if isinstance(query, str) else list(query)
    if not all(isinstance(t, str) for t in [*texts, *hints]):
        raise SearchError("queries and hints must be strings")
    generation = catalog.refresh()
    result = _search_once(catalog, texts, hints, filters, limit, sort, diversify, started)
    if catalog.generation != generation:
        # Other products were put in place mid-search (an import): the rids ranked before
        # may name other products now. Searched again, over the new ones.
        result = _search_once(catalog, texts, hints, filters, limit, sort, diversify, started)
    return result


def _search_once(catalog: Catalog, texts: list[str], hints: Sequence[str],
                 filters: SearchFilters, limit: int, sort: Sort, diversify: bool,
                 started: float) -> SearchResult:
    """One search over the catalog as it is now, from checked arguments."""
    weighted = [(texts[0] if texts else "", 1.0)] + [(t, HINT_WEIGHT) for t in [*texts[1:], *hints]]

    warnings: list[FunnelWarning] = []
    if any(len(analysis.words(t)) > MAX_QUERY_WORDS for t, _ in weighted):
        warnings.append(FunnelWarning(code="query_truncated",
                                      message=f"Only the first {MAX_QUERY_WORDS} words were used."))
    vocab = catalog.vocabulary()
    all_groups = plan_query(vocab, weighted)
    groups = [g for g in all_groups if g.alternatives]
    sql_ms = 0.0
    relaxations: list[str] = []

    def fetch(f: SearchFilters, n: int, order: Sort = sort) -> list[tuple[int, float]]:
        nonlocal sql_ms
        t0 = time.perf_counter()
        ranked = _fetch(catalog, groups, f, order, n)
        sql_ms += (time.perf_counter() - t0) * 1000
        return ranked

    def read(ranked: list[tuple[int, float]],
             columns: Sequence[str] = RANKING_COLUMNS) -> list[_Candidate]:
        nonlocal sql_ms
        t0 = time.perf_counter()
        with_rows = _with_rows(catalog, ranked, columns)
        sql_ms += (time.perf_counter() - t0) * 1000
        return with_rows

    found: list[tuple[int, float]] = []
    outside: list[_Candidate] = []
    if all_groups and not groups:
        warnings.append(FunnelWarning(
            code="no_text_match",
            message="No product mentions any of the words searched for."))
    else:
        found = fetch(filters, max(CANDIDATES, limit))
        if filters.has_budget and len(found) < MIN_IN_BUDGET:
            # Show the closest outside the budget, marked, rather than nothing.
            near = [c for c in read(fetch(filters.without_budget(), CANDIDATES * 2))
                    if _distance_to_budget(c.product["price"], filters) > 0]
            near.sort(key=lambda c: (_distance_to_budget(c.product["price"], filters), -c.bm25))
            outside = near[: max(MIN_IN_BUDGET - len(found), 0) or MIN_IN_BUDGET]
            if outside:
                code = "none_in_budget" if not found else "few_in_budget"
                what = "Nothing" if not found else f"Only {len(found)}"
                warnings.append(FunnelWarning(
                    code=code,
                    message=f"{what} within {_budget_text(filters)}; the closest by price are "
                            "shown and marked as outside the budget."))
                relaxations.append("budget")
        if not found and not outside and (filters.product_types or filters.categories):
            found = fetch(filters.without_taxonomy(), max(CANDIDATES, limit))
            if found:
                relaxations.append("taxonomy")
                warnings.append(FunnelWarning(
                    code="taxonomy_relaxed",
                    message="Nothing in that product type or category; showing matches from "
                            "the whole catalog."))
    popularity = 0.0 < vocab.popular_share < 1.0
    if sort == "relevance":
        pop, fit = _rerank_weights(filters, popularity)
        window = limit + 20 if diversify else limit
        rows = read(_contenders(found, window, slack=(pop + fit) / max(1 - pop - fit, 1e-9)))
    else:  # kept in SQL's order: only what is shown, whole
        rows = read(found[:limit], PRODUCT_COLUMNS)
    rerank_started = time.perf_counter()
    ranked = _rerank(rows, filters, sort, popularity)
    demoted = 0
    if diversify and sort == "relevance":
        asked = frozenset(analysis.fold(w) for t, _ in weighted for w in analysis.words(t))
        ranked, demoted = _diversify(ranked, window=window, asked=asked)
    shown = [(r, False) for r in ranked[:limit]]
    if outside and len(shown) < limit:
        shown += [(r, True) for r in
                  _rerank(outside, filters, "price_asc", popularity)[: limit - len(shown)]]
    rerank_ms = (time.perf_counter() - rerank_started) * 1000
    read_started = time.perf_counter()
    hits = _hits(shown, catalog.rows_by_rid([r.rid for r, _ in shown]))
    sql_ms += (time.perf_counter() - read_started) * 1000
    if not hits and not any(w.code == "no_text_match" for w in warnings):
        warnings.append(FunnelWarning(code="no_results",
                                      message="No products match these words and filters."))
    top3 = {analysis.fold(h.author) for h in hits[:3] if h.author}
    result = SearchResult(
        query=texts,
        filters=filters,
        sort=sort,
        products=hits,
        warnings=warnings,
        metrics=SearchMetrics(
            total_ms=round((time.perf_counter() - started) * 1000, 3),
            sql_ms=round(sql_ms, 3),
            rerank_ms=round(rerank_ms, 3),
            candidates=len(found) + len(outside),
            query_words=len(all_groups),
            matched_words=len(groups),
            index_terms=sum(len(g.alternatives) for g in groups),
            relaxations=relaxations,
        ),
        diversity=DiversityInfo(distinct_authors_top3=len(top3), demoted=demoted),
        plan=[TermGroupInfo(word=g.word, weight=round(g.weight, 3), terms=list(g.alternatives))
              for g in all_groups],
    )
    if hits:  # rows were needed: a small catalog is read whole, now that this search is done
        catalog.hold_rows_in_background()
    return result
