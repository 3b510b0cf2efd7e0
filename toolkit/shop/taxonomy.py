"""What the catalog sells, as the context extraction needs it: product types, categories and
authors, and which words (in either language) name each of them.

Built from the catalog itself, so a user's own catalog is understood as well as the default
one: a category named "Poetry" is matched by "poems" and by the Estonian "luule" through the
bilingual vocabulary of `toolkit.shop.lexicon`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from toolkit.shop import lexicon
from toolkit.shop import text as analysis
from toolkit.shop.catalog import Catalog


def _keys(name: str) -> set[str]:
    """The stems a taxonomy name is known by, in both languages."""
    out: set[str] = set()
    for word in analysis.words(name):
        for language in ("et", "en"):
            if stem := analysis.stem(word, language):
                out.add(stem)
    return out


def inflected(a: str, b: str) -> bool:
    """Two stems are forms of one word: equal, one a few letters longer than the other, or
    both long and differing only in their last two letters ("manguasju" / "manguasja")."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 4 and long_.startswith(short) and len(long_) - len(short) <= 3:
        return True
    return len(short) >= 6 and len(long_) - len(short) <= 2 and long_[:len(short) - 2] == short[:-2]


def related(word_stem: str, key: str) -> bool:
    """A message word's stem names a key: equal, an inflected form (a few letters more or
    fewer), or a compound that starts with it ("krimiromaanid" -> "krimi")."""
    if not word_stem or not key:
        return False
    if inflected(word_stem, key):
        return True
    if len(key) >= 4 and word_stem.startswith(key):
        return True
    return len(word_stem) >= 4 and key.startswith(word_stem) and len(key) - len(word_stem) <= 3


@dataclass
class Entry:
    """A product type or category and the stems that name it."""

    name: str
    kind: str  # "product_type" or "category"
    keys: set[str] = field(default_factory=set)
    synonyms: set[str] = field(default_factory=set)  # from the bilingual vocabulary

    def matched_by(self, stems: set[str]) -> bool:
        return any(related(s, k) for s in stems for k in self.keys | self.synonyms)


@dataclass
class Taxonomy:
    product_types: list[Entry]
    categories: list[Entry]
    types_of_category: dict[str, set[str]]  # category -> the product types it holds
    authors: dict[str, list[str]]  # folded surname or full name -> full names
    book_type: str | None  # the product type that holds books, if the catalog has one
    gift_type: str | None  # the generic gift type ("Kingitused"), if the catalog has one
    category_sizes: dict[str, int] = field(default_factory=dict)
    _by_word: dict[str, tuple[Entry, ...]] = field(default_factory=dict, repr=False)

    def entries_for(self, word: str) -> tuple[Entry, ...]:
        """The product types and categories one message word names (cached per word)."""
        key = analysis.fold(word)
        if key not in self._by_word:
            stems = {analysis.stem(word, "et"), analysis.stem(word, "en")} - {""}
            self._by_word[key] = tuple(e for e in self.product_types + self.categories
                                       if stems and e.matched_by(stems))
        return self._by_word[key]

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> Taxonomy:
        with catalog.cursor() as cur:
            counted = cur.execute(
                "SELECT product_type, category, count(*) FROM products GROUP BY ALL"
            ).fetchall()
            authors = [r[0] for r in cur.execute(
                "SELECT DISTINCT author FROM products WHERE author IS NOT NULL").fetchall()]
        pairs = [(t, c) for t, c, _ in counted]
        sizes: dict[str, int] = {}
        for _, c, n in counted:
            if c:
                sizes[c] = sizes.get(c, 0) + n
        types = sorted({t for t, _ in pairs if t})
        categories = sorted({c for _, c in pairs if c})
        types_of: dict[str, set[str]] = {}
        for t, c in pairs:
            if c:
                types_of.setdefault(c, set()).add(t or "")
        entries = [Entry(t, "product_type", _keys(t)) for t in types] + [
            Entry(c, "category", _keys(c)) for c in categories]
        concepts = [{analysis.stem(w, lang) for w, lang in
                     lexicon.concept_terms(concept, split_phrases=False)}
                    for concept in lexicon.CONCEPTS]
        # Two stems are only `inflected` forms of each other if they share their first four
        # letters (or are equal): a cheap test that spares most pairs the full one.
        prefixes = [{s[:4] for s in stems} for stems in concepts]
        for entry in entries:
            keys = {k[:4] for k in entry.keys}
            for concept_stems, concept_prefixes in zip(concepts, prefixes, strict=True):
                if not keys & concept_prefixes:
                    continue
                # Only a concept that names this entry itself lends it its words: "Krimi" gets
                # "crime"; "Kinkekaardid" does not get every word for a gift.
                if any(inflected(k, s) for k in entry.keys for s in concept_stems):
                    entry.synonyms |= {s for s in concept_stems if len(s) >= 3}
        type_entries = entries[: len(types)]
        book_type = next((e.name for e in type_entries
                          if e.matched_by({analysis.stem("raamat", "et"), "book"})), None)
        gift_type = next((e.name for e in type_entries
                          if e.matched_by({analysis.stem("kingitus", "et"), "gift"})), None)
        return cls(type_entries, entries[len(types):], types_of, _author_index(authors),
                   book_type, gift_type, sizes)

    def largest_categories(self, n: int) -> list[str]:
        return sorted(self.category_sizes, key=lambda c: -self.category_sizes[c])[:n]

    def book_only(self, category: str | None) -> bool:
        """A category whose products are all books (dropped when a gift search follows)."""
        return bool(category) and self.book_type is not None and \
            self.types_of_category.get(category or "", set()) == {self.book_type}


def natural_name(name: str) -> str:
    """An author as a person would write them: "Austen, Jane" -> "Jane Austen", without the
    catalog's life dates and parentheses ("Chesterton, G. K. (Gilbert Keith)" -> "G. K.
    Chesterton"; "Tolstoy, Leo, graf" -> "Leo Tolstoy")."""
    plain = re.sub(r"\([^)]*\)|\[[^]]*\]|\b\d{3,4}\??-\d{0,4}\??", "", name)
    parts = [p.strip() for p in plain.split(",") if p.strip()]
    if len(parts) >= 2 and not any(c.isdigit() for c in parts[1]):
        return f"{parts[1]} {parts[0]}".strip()
    return parts[0] if parts else name.strip()


def _author_index(authors: list[str]) -> dict[str, list[str]]:
    """Keys an author is named by: the whole name (either order) and the surname alone."""
    index: dict[str, list[str]] = {}
    for name in authors:
        natural = natural_name(name)
        parts = analysis.words(natural)
        if not parts:
            continue
        if "," in name:  # "Surname, First names": the surname is what comes before the comma
            surname_words = analysis.words(re.sub(r"\([^)]*\)", "", name.split(",")[0]))
        else:
            surname_words = parts[-1:]
        keys = {analysis.fold(" ".join(parts)), analysis.fold(" ".join(surname_words))}
        if len(parts) >= 3 and "," not in name:  # "Arthur Conan Doyle" is also "Conan Doyle"
            keys.add(analysis.fold(" ".join(parts[-2:])))
        for key in keys:
            if len(key) < 3:
                continue
            index.setdefault(key, [])
            if name not in index[key]:
                index[key].append(name)
    return index
