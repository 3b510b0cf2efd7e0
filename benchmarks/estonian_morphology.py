"""Estonian morphology for search: Snowball, simplemma and Vabamorf (EstNLTK) side by side.

    python benchmarks/estonian_morphology.py

On the labelled word forms in benchmarks/data/estonian_forms.json (written from Estonian
grammar: the 14 cases in both numbers, consonant gradation, compounds), each system turns a
word into a key, as the search index would. Reported per system:

- same key: the share of forms whose key is the key of their own lemma ("raamatutele" and
  "raamat" meet);
- pairs recall / precision: over all pairs of forms, the share of same-lemma pairs that share a
  key, and the share of key-sharing pairs that are the same lemma (a stemmer that cuts too much
  merges "kink" with "king", or "laps" with "last");
- compounds split: the share of compounds whose head and tail lemmas the system gives
  ("krimiromaanid" -> krimi + romaan); only Vabamorf splits;
- start: seconds to import the library and key the first word;
- index: seconds to key every distinct word of the default catalog's text once (no cache), and
  words per second;
- query: microseconds per word for one word at a time, the way a query is keyed.

All systems run in one process, one after another, on the same words; the machine is shared, so
compare the ratios, not the absolute figures. n is printed with every figure. Vabamorf is the
optional `estonian` extra (`pip install -e ".[estonian]"`); without it its row says why.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from toolkit.shop.text import fold, words  # noqa: E402

FORMS = ROOT / "benchmarks" / "data" / "estonian_forms.json"
CATALOG = ROOT / "data" / "catalog.parquet"
RESULTS = ROOT / "benchmarks" / "results" / "estonian_morphology.json"

Keyer = Callable[[list[str]], list[str]]  # words -> one key per word


def snowball() -> Keyer:
    import Stemmer

    stemmer = Stemmer.Stemmer("estonian")
    return lambda ws: [fold(stemmer.stemWord(w)) for w in ws]


def simplemma_lemmas() -> Keyer:
    import simplemma

    return lambda ws: [fold(simplemma.lemmatize(w, lang="et")) for w in ws]


def simplemma_then_snowball() -> Keyer:
    import simplemma
    import Stemmer

    stemmer = Stemmer.Stemmer("estonian")
    return lambda ws: [fold(stemmer.stemWord(simplemma.lemmatize(w, lang="et"))) for w in ws]


def _vabamorf() -> Any:
    from estnltk.vabamorf.morf import Vabamorf

    return Vabamorf.instance()


def vabamorf_lemmas() -> Keyer:
    morf = _vabamorf()

    def keys(ws: list[str]) -> list[str]:
        analysed = morf.analyze(ws, guess=True, propername=False, disambiguate=False)
        return [fold(a["analysis"][0]["lemma"]) if a["analysis"] else fold(w)
                for w, a in zip(ws, analysed, strict=True)]

    return keys


def vabamorf_parts() -> Callable[[str], list[str]]:
    """A compound's parts as lemmas: Vabamorf's root marks the joins ("laua_mäng"), and each
    part but the last is in the form a compound takes (genitive "laua"), so it is lemmatised."""
    morf = _vabamorf()

    def parts(word: str) -> list[str]:
        analysis = morf.analyze([word], guess=True, propername=False, disambiguate=False)[0]
        if not analysis["analysis"]:
            return [word]
        first = analysis["analysis"][0]
        pieces = first["root"].split("_")
        if len(pieces) < 2:
            return [fold(first["lemma"])]
        heads = morf.analyze(pieces[:-1], guess=True, propername=False, disambiguate=False)
        head_lemmas = [fold(h["analysis"][0]["lemma"]) if h["analysis"] else fold(p)
                       for p, h in zip(pieces[:-1], heads, strict=True)]
        tail = fold(first["lemma"])[len("".join(fold(p) for p in pieces[:-1])):]
        return [*head_lemmas, tail]

    return parts


SYSTEMS: dict[str, tuple[str | None, Callable[[], Keyer]]] = {
    "Snowball (PyStemmer)": (None, snowball),
    "simplemma": ("simplemma", simplemma_lemmas),
    "simplemma, then Snowball": ("simplemma", simplemma_then_snowball),
    "Vabamorf (EstNLTK)": ("estnltk", vabamorf_lemmas),
}


def catalog_words() -> list[str]:
    """Every distinct word of the default catalog's Estonian titles, categories and texts."""
    import duckdb

    rows = duckdb.execute(
        "SELECT title, coalesce(description, ''), coalesce(category, ''), "
        "coalesce(product_type, '') FROM read_parquet(?) WHERE language = 'et'",
        [str(CATALOG)]).fetchall()
    return sorted({w for row in rows for text in row for w in words(text) if not w.isdigit()})


def accuracy(keys: dict[str, str], groups: list[dict[str, Any]],
             lemma_keys: dict[str, str]) -> dict[str, Any]:
    forms = [(form, g["lemma"]) for g in groups for form in g["forms"]]
    same = sum(keys[form] == lemma_keys[lemma] for form, lemma in forms)
    together = apart_merged = same_pairs = merged_pairs = 0
    for (a, la), (b, lb) in itertools.combinations(forms, 2):
        if la == lb:
            same_pairs += 1
            together += keys[a] == keys[b]
        if keys[a] == keys[b]:
            merged_pairs += 1
            apart_merged += la != lb
    return {
        "forms": len(forms),
        "same_key": round(same / len(forms), 3),
        "pairs_recall": round(together / same_pairs, 3),
        "pairs_precision": round(1 - apart_merged / merged_pairs, 3) if merged_pairs else None,
        "wrongly_merged": sorted({f"{a}={b}" for (a, la), (b, lb)
                                  in itertools.combinations(forms, 2)
                                  if la != lb and keys[a] == keys[b]})[:8],
        "missed": [form for form, lemma in forms if keys[form] != lemma_keys[lemma]],
    }


def measure(name: str, make: Callable[[], Keyer], groups: list[dict[str, Any]],
            vocabulary: list[str]) -> dict[str, Any]:
    started = time.perf_counter()
    key = make()
    key(["raamat"])
    start_s = time.perf_counter() - started
    forms = [form for g in groups for form in g["forms"]]
    keys = dict(zip(forms, key(forms), strict=True))
    lemma_keys = dict(zip([g["lemma"] for g in groups], key([g["lemma"] for g in groups]),
                          strict=True))
    row: dict[str, Any] = {"system": name, "start_s": round(start_s, 3),
                           **accuracy(keys, groups, lemma_keys)}
    started = time.perf_counter()
    key(vocabulary)
    index_s = time.perf_counter() - started
    row["index_s"] = round(index_s, 4)
    row["index_words"] = len(vocabulary)
    row["index_words_per_s"] = round(len(vocabulary) / index_s)
    per_word = []
    for form in forms:
        started = time.perf_counter()
        key([form])
        per_word.append((time.perf_counter() - started) * 1e6)
    row["query_us_per_word_p50"] = round(statistics.median(per_word), 1)
    row["query_n"] = len(per_word)
    return row


def compound_splits(groups: list[dict[str, Any]]) -> dict[str, Any]:
    parts = vabamorf_parts()
    compounds = [g for g in groups if g.get("parts")]
    right = [g["lemma"] for g in compounds
             if parts(g["forms"][-1])[-2:] == [fold(p) for p in g["parts"]]]
    return {"n": len(compounds), "right": len(right),
            "wrong": [g["lemma"] for g in compounds if g["lemma"] not in right]}


def main() -> None:
    groups: list[dict[str, Any]] = json.loads(FORMS.read_text(encoding="utf-8"))["groups"]
    vocabulary = catalog_words()
    print(f"{sum(len(g['forms']) for g in groups)} labelled forms of {len(groups)} lemmas; "
          f"{len(vocabulary)} distinct words in the default catalog's Estonian text\n")
    rows: list[dict[str, Any]] = []
    for name, (module, make) in SYSTEMS.items():
        if module and importlib.util.find_spec(module) is None:
            rows.append({"system": name, "unavailable": f"{module} is not installed"})
            continue
        try:
            rows.append(measure(name, make, groups, vocabulary))
        except Exception as e:  # a library that installs but cannot run here is a finding
            rows.append({"system": name, "unavailable": f"{type(e).__name__}: {e}"})
    header = (f"{'system':26} {'same key':>8} {'pairs R':>7} {'pairs P':>7} {'start s':>7} "
              f"{'index s':>8} {'words/s':>9} {'query us':>8}")
    print(header)
    for row in rows:
        if "unavailable" in row:
            print(f"{row['system']:26} unavailable: {row['unavailable']}")
            continue
        print(f"{row['system']:26} {row['same_key']:8.3f} {row['pairs_recall']:7.3f} "
              f"{row['pairs_precision'] or 0:7.3f} {row['start_s']:7.3f} {row['index_s']:8.4f} "
              f"{row['index_words_per_s']:9,} {row['query_us_per_word_p50']:8.1f}")
    n = rows[0].get("forms", 0)
    print(f"\nn = {n} forms; index = {len(vocabulary)} words once, no cache; query = p50 of "
          f"{n} single-word calls")
    splits = None
    if importlib.util.find_spec("estnltk") is not None:
        splits = compound_splits(groups)
        print(f"Vabamorf compound splits: {splits['right']} / {splits['n']} right "
              f"(wrong: {', '.join(splits['wrong']) or 'none'}); Snowball and simplemma "
              "do not split compounds")
    for row in rows:
        if row.get("missed"):
            print(f"\n{row['system']} misses ({len(row['missed'])}): {' '.join(row['missed'])}")
            print(f"  wrongly merged (first 8): {' '.join(row['wrongly_merged'])}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"systems": rows, "compound_splits": splits}, indent=2,
                                  ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nsaved {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
