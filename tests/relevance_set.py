"""A labelled relevance set for the default catalog: queries a shopper types, graded judgments.

Each judgment is a condition on a product's own fields and a grade (3 = exactly what was asked
for, 2 = the right kind of product, 1 = related). A product's grade is the highest of the
conditions it meets. The conditions are written from what the words mean, not from what the
search returns.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Judged:
    query: str
    language: str
    grades: tuple[tuple[dict[str, str], int], ...]


def cat(name: str, grade: int = 2) -> tuple[dict[str, str], int]:
    return ({"category": name}, grade)


def ptype(name: str, grade: int = 2) -> tuple[dict[str, str], int]:
    return ({"product_type": name}, grade)


def author(name: str, grade: int = 3) -> tuple[dict[str, str], int]:
    return ({"author~": name}, grade)


def title(*names: str, grade: int = 3) -> tuple[tuple[dict[str, str], int], ...]:
    return tuple(({"title~": n}, grade) for n in names)


RELEVANCE_SET: list[Judged] = [
    Judged("krimiromaanid", "et", (cat("Krimi"),)),
    Judged("põnevik", "et", (cat("Krimi"),)),
    Judged("crime novels", "en", (cat("Krimi"),)),
    Judged("detective stories", "en", (cat("Krimi"),)),
    Judged("Agatha Christie", "en", (author("Agatha Christie"), cat("Krimi", 1))),
    Judged("Agatha Christie raamatud", "et", (author("Agatha Christie"),)),
    Judged("Tammsaare", "et", (author("Tammsaare"),)),
    Judged("Tõde ja õigus", "et", (*title("Tõde ja õigus", "Truth and Justice"),
                                   author("Tammsaare", 1))),
    Judged("Truth and Justice", "en", (*title("Tõde ja õigus", "Truth and Justice"),)),
    Judged("Oskar Lutsu Kevade", "et", (*title("Kevade", "Spring"), author("Oskar Luts", 1))),
    Judged("Kivirähki raamatud", "et", (author("Kivirähk"),)),
    Judged("Mees, kes teadis ussisõnu", "et", (*title("ussisõnu", "Snakish"),)),
    Judged("The Man Who Spoke Snakish", "en", (*title("ussisõnu", "Snakish"),)),
    Judged("Jaan Krossi romaanid", "et", (author("Jaan Kross"),)),
    Judged("Keisri hull", "et", (*title("Keisri hull", "Czar's Madman"), author("Kross", 1))),
    Judged("fantaasiaraamatud", "et", (cat("Fantaasia"),)),
    Judged("fantasy books", "en", (cat("Fantaasia"),)),
    Judged("Harry Potter", "en", (*title("Harry Potter"),)),
    Judged("Tolkieni Kääbik", "et", (*title("Kääbik", "Hobbit"), author("Tolkien", 2))),
    Judged("kokaraamatud", "et", (cat("Kokaraamatud"),)),
    Judged("cookbook", "en", (cat("Kokaraamatud"),)),
    Judged("retseptid", "et", (cat("Kokaraamatud"),)),
    Judged("luuletused", "et", (cat("Luule"),)),
    Judged("poetry", "en", (cat("Luule"),)),
    Judged("luulekogu", "et", (cat("Luule"),)),
    Judged("lasteraamatud", "et", (cat("Lasteraamatud"),)),
    Judged("children's books", "en", (cat("Lasteraamatud"),)),
    Judged("muinasjutud lastele", "et", (cat("Lasteraamatud"),)),
    Judged("noorteraamat", "et", (cat("Noorteraamatud"),)),
    Judged("ajalooraamatud", "et", (cat("Ajalugu"),)),
    Judged("history books", "en", (cat("Ajalugu"),)),
    Judged("romantilised raamatud", "et", (cat("Romantika"),)),
    Judged("love stories", "en", (cat("Romantika"),)),
    Judged("populaarteadus", "et", (cat("Teadus"),)),
    Judged("science books", "en", (cat("Teadus"),)),
    Judged("ulmeromaanid", "et", (cat("Ulme"),)),
    Judged("science fiction", "en", (cat("Ulme"), cat("Teadus", 1))),
    Judged("lõhnaküünal", "et", (cat("Küünlad"),)),
    Judged("candles", "en", (cat("Küünlad"),)),
    Judged("kruus", "et", (cat("Kruusid"),)),
    Judged("mugs", "en", (cat("Kruusid"),)),
    Judged("lauamängud", "et", (ptype("Lauamängud"),)),
    Judged("board games for the family", "en", (cat("Peremängud", 3), ptype("Lauamängud"))),
    Judged("pusle", "et", (cat("Pusled"),)),
    Judged("jigsaw puzzle", "en", (cat("Pusled"),)),
    Judged("kaisukaru", "et", (*title("Kaisukaru", "Teddy"), cat("Pehmed mänguasjad"))),
    Judged("teddy bear", "en", (*title("Kaisukaru", "Teddy"), cat("Pehmed mänguasjad"))),
    Judged("märkmik", "et", (cat("Märkmikud"),)),
    Judged("kinkekomplekt", "et", (cat("Kinkekomplektid"),)),
    Judged("Sherlock Holmes", "en", (*title("Sherlock"), author("Conan Doyle", 2))),
    Judged("eesti klassika", "et", (cat("Eesti klassika"),)),
    Judged("memoirs", "en", (cat("Elulood"),)),
    Judged("Catan", "en", (*title("Catan"),)),
    Judged("Pipi Pikksukk", "et", (*title("Pipi Pikksukk", "Pippi Longstocking"),
                                   author("Astrid Lindgren", 1))),
    Judged("Astrid Lindgren", "en", (author("Astrid Lindgren"),)),
    Judged("Väike prints", "et", (*title("Väike prints", "Little Prince"),)),
]


def grade(product: dict, judged: Judged) -> int:
    best = 0
    for condition, value in judged.grades:
        if all(_meets(product, field, expected) for field, expected in condition.items()):
            best = max(best, value)
    return best


def _meets(product: dict, field: str, expected: str) -> bool:
    if field.endswith("~"):
        return expected.lower() in (product.get(field[:-1]) or "").lower()
    return product.get(field) == expected
