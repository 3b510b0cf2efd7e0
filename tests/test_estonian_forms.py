"""The labelled Estonian word forms (benchmarks/data/estonian_forms.json) that the morphology
benchmark scores stemmers and lemmatisers on, and what the search does with such forms."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolkit.shop.search import search_products

FORMS = Path(__file__).resolve().parent.parent / "benchmarks" / "data" / "estonian_forms.json"
GROUPS = json.loads(FORMS.read_text(encoding="utf-8"))["groups"]


def test_the_labelled_list_is_large_and_unambiguous():
    forms = [form for g in GROUPS for form in g["forms"]]
    assert len(forms) >= 150 and len(forms) == len(set(forms))  # no form in two groups
    assert len({g["lemma"] for g in GROUPS}) == len(GROUPS)
    compounds = [g for g in GROUPS if g["kind"] == "compound"]
    assert len(compounds) >= 10 and all(len(g["parts"]) == 2 for g in compounds)
    assert {"krimiromaan", "lauamäng", "mänguasi", "kaisukaru"} <= {g["lemma"] for g in compounds}


@pytest.mark.parametrize("query, category", [
    ("mänguasjadele", "Pehmed mänguasjad"),
    ("lauamängude", None),
    ("kaisukarudega", "Pehmed mänguasjad"),
    ("krimiromaanidest", "Krimi"),
    ("kokaraamatutest", "Kokaraamatud"),
    ("luuletustele", "Luule"),
])
def test_inflected_forms_find_their_products(catalog, query, category):
    products = search_products(catalog, query, limit=5).products
    assert products, query
    if category:
        assert any(p.category == category for p in products), [p.category for p in products]
    else:
        assert all(p.product_type == "Lauamängud" for p in products), [p.title for p in products]
