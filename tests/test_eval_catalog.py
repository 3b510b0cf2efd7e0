"""A real catalog nobody here wrote: Project Gutenberg metadata from ../shared/eval-data.

It has no prices or descriptions, so the test makes a shop file of it (price from the id,
subjects as description); import and search must then behave on data they were not tuned on.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest
from conftest import EVAL_DATA

from toolkit.shop.catalog import Catalog
from toolkit.shop.search import SearchFilters, search_products

# The held-out benchmark makes the shop file and scores the queries; the tests use the same code.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import search_quality_gutenberg as held_out  # noqa: E402

GUTENBERG = EVAL_DATA / "gutenberg_books.parquet"

pytestmark = pytest.mark.skipif(
    not GUTENBERG.exists(),
    reason=f"{GUTENBERG} is absent: put the shared eval-data folder beside the repository to run",
)


@pytest.fixture(scope="module")
def gutenberg(tmp_path_factory) -> Catalog:
    folder = tmp_path_factory.mktemp("gutenberg")
    shop_file = held_out.make_shop_file(folder)
    catalog = Catalog.open(folder / "shop.duckdb", seed_default=False)
    catalog.import_file(shop_file)
    yield catalog
    catalog.close()


def test_the_whole_file_imports(gutenberg):
    rows = duckdb.execute("SELECT count(*) FROM read_parquet(?)", [str(GUTENBERG)]).fetchone()[0]
    info = gutenberg.info()
    assert info["products"] == rows
    assert info["languages"].get("en", 0) > rows * 0.8


@pytest.mark.parametrize("query, author", [
    ("Sherlock Holmes", "Doyle"),
    ("pride and prejudice", "Austen"),
    ("Frankenstein", "Shelley"),
    ("Conan Doyle", "Doyle"),
])
def test_known_books_are_found_first(gutenberg, query, author):
    top = search_products(gutenberg, query, limit=3).products
    assert top and author in (top[0].author or ""), [(p.title, p.author) for p in top]


def test_subject_words_and_filters_work_on_unseen_data(gutenberg):
    result = search_products(gutenberg, "detective stories", SearchFilters(max_price=20), limit=10)
    assert result.products
    assert all(p.price <= 20 for p in result.products if not p.outside_budget)
    assert any("detective" in (p.description or "").lower() or "detective" in p.title.lower()
               for p in result.products)
    # Relevance first, but no one author fills the shelf: at most two of the top five.
    authors = [p.author for p in result.products[:5] if p.author]
    assert all(authors.count(a) <= 2 for a in authors), authors


@pytest.fixture(scope="module")
def gutenberg_assistant(gutenberg):
    from toolkit.assistant import Assistant
    from toolkit.core.settings import AssistantSettings

    return Assistant(gutenberg, settings=AssistantSettings())


def test_assistant_on_an_unseen_english_catalog(gutenberg_assistant):
    by_author = gutenberg_assistant.ask("something by Jane Austen", "g1")
    assert by_author.intent.intent == "author_search" and by_author.intent.language == "en"
    assert {p.author for p in by_author.products} == {"Austen, Jane"}
    assert "Jane Austen" in by_author.text  # named as a person writes it, not "Austen, Jane"
    character = gutenberg_assistant.ask("Sherlock Holmes", "g2")
    assert character.intent.context.authors == []
    assert all("Doyle" in (p.author or "") for p in character.products)
    more = gutenberg_assistant.ask("show me more", "g2")
    assert more.products and not {p.id for p in more.products} & {p.id for p in character.products}


def test_ambiguous_category_words_do_not_force_a_filter(gutenberg_assistant):
    result = gutenberg_assistant.ask("detective stories under 15 euros", "g3")
    assert result.decision == "search" and result.products
    assert result.intent.context.category is None and result.intent.context.category_hints
    assert all(p.price <= 15 for p in result.products)


# The held-out figures (benchmarks/search_quality_gutenberg.py, judgments in
# benchmarks/data/gutenberg_judgments.json, every pooled book judged): ours 0.839, plain DuckDB
# BM25 0.629 over the 79 scored queries; on the 35 fresh ones, written after the other 48 had
# been worked on and never looked at one by one, 0.879 against 0.656. The floors leave room for
# noise, not for a regression; no query may fall more than 0.2 below BM25 (the target).
HELD_OUT_MEAN_FLOOR = 0.80
FRESH_MEAN_FLOOR = 0.85


def test_held_out_ndcg_is_above_the_floor_and_above_plain_bm25():
    import statistics

    queries = held_out.load_queries()
    judgments = held_out.load_judgments()
    rankings, _ = held_out.run_systems(queries)
    scores = {q["id"]: {name: held_out.ndcg(rankings[name][q["id"]], judgments.get(q["id"], {}))
                        for name in held_out.SYSTEMS} for q in queries}
    scored = {qid: s for qid, s in scores.items() if s["ours"] is not None}
    fresh = {q["id"] for q in queries if q["split"] == "fresh"} & scored.keys()

    def mean(system: str, ids: set[str]) -> float:
        return statistics.fmean(scored[qid][system] for qid in ids)

    ours, bm25 = mean("ours", set(scored)), mean("bm25", set(scored))
    print(f"\nheld out: ours {ours:.3f}, plain BM25 {bm25:.3f} over {len(scored)} queries; "
          f"fresh {mean('ours', fresh):.3f} / {mean('bm25', fresh):.3f} over {len(fresh)}")
    assert len(scored) >= 75 and len(fresh) >= 30
    assert ours >= HELD_OUT_MEAN_FLOOR and ours >= bm25 * 1.10  # the target
    assert mean("ours", fresh) >= FRESH_MEAN_FLOOR and mean("ours", fresh) >= mean("bm25", fresh) * 1.10
    losses = {qid: round(s["ours"] - s["bm25"], 3) for qid, s in scored.items()
              if s["ours"] < s["bm25"] - 0.2}
    assert not losses
