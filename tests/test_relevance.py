"""Search quality: nDCG@10 over the labelled relevance set, asserted as a floor."""

from __future__ import annotations

import math

import pytest
from relevance_set import RELEVANCE_SET, grade

from toolkit.shop.search import search_products

K = 10
MEAN_NDCG_FLOOR = 0.90  # measured 0.948 when written; a drop below this is a regression
QUERY_NDCG_FLOOR = 0.4  # no single query may be badly served (the worst measured 0.47)


def dcg(grades: list[int]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades[:K]))


@pytest.fixture(scope="module")
def all_products(catalog) -> list[dict]:
    with catalog.cursor() as cur:
        rows = cur.execute("SELECT id, title, author, category, product_type FROM products").fetchall()
    return [dict(zip(("id", "title", "author", "category", "product_type"), r, strict=True))
            for r in rows]


@pytest.fixture(scope="module")
def ndcg_by_query(catalog, all_products) -> dict[str, float]:
    scores = {}
    for judged in RELEVANCE_SET:
        ideal = dcg(sorted((grade(p, judged) for p in all_products), reverse=True))
        assert ideal > 0, f"no product is relevant to {judged.query!r}: fix the judgment"
        found = search_products(catalog, judged.query, limit=K).products
        scores[judged.query] = dcg([grade(p.model_dump(), judged) for p in found]) / ideal
    return scores


def test_relevance_set_is_large_and_bilingual():
    assert len(RELEVANCE_SET) >= 40
    languages = [j.language for j in RELEVANCE_SET]
    assert languages.count("et") >= 20 and languages.count("en") >= 15


def test_mean_ndcg_at_10_is_above_the_floor(ndcg_by_query):
    mean = sum(ndcg_by_query.values()) / len(ndcg_by_query)
    worst = sorted(ndcg_by_query.items(), key=lambda kv: kv[1])[:5]
    print(f"\nmean nDCG@{K} = {mean:.3f} over {len(ndcg_by_query)} queries; worst: {worst}")
    assert mean >= MEAN_NDCG_FLOOR, worst


def test_no_query_is_badly_served(ndcg_by_query):
    bad = {q: round(s, 3) for q, s in ndcg_by_query.items() if s < QUERY_NDCG_FLOOR}
    assert not bad


def test_the_grader_can_fail():
    judged = RELEVANCE_SET[0]
    assert grade({"category": "Krimi"}, judged) == 2
    assert grade({"category": "Luule"}, judged) == 0
    assert dcg([0] * K) == 0 < dcg([2] + [0] * (K - 1))
