import pytest

from toolkit.shop import text as analysis


def test_fold_maps_estonian_letters_and_accents_to_ascii():
    assert analysis.fold("Kõrboja ÄÖÜ šŽ café") == "korboja aou sz cafe"


def test_estonian_inflections_share_a_stem():
    forms = ["raamatud", "raamatut", "raamatule", "raamatu", "raamatus", "raamatuga"]
    assert len({analysis.stem(w, "et") for w in forms}) == 1


@pytest.mark.parametrize("forms", [
    ("laps", "lapsed", "lastele", "lapse", "last"),  # a stem change Snowball leaves apart
    ("küünal", "küünlad", "kuunlad", "küünalt"),  # typed with or without õäöü
    ("mänguasi", "mänguasjad", "manguasju"),
    ("krimiromaan", "krimiromaanid", "krimiromaane"),
])
def test_estonian_forms_meet_on_their_lemma(forms):
    assert len({analysis.stem(w, "et") for w in forms}) == 1, [analysis.stem(w, "et") for w in forms]


def test_english_plurals_share_a_stem():
    assert analysis.stem("candles", "en") == analysis.stem("candle", "en")
    assert analysis.stem("novels", "en") == analysis.stem("novel", "en")


def test_stop_words_are_dropped_even_without_diacritics():
    assert analysis.terms("Näita mulle palun midagi") == []
    assert analysis.terms("naita mulle") == []
    assert analysis.terms("show me some books", "en") == ["book"]


def test_numbers_and_short_words_are_kept_whole():
    assert analysis.terms("1984 ema") == ["1984", "ema"]


def test_index_text_is_space_separated_terms():
    assert analysis.index_text("Tõde ja õigus") == "tode oigus"  # lemmas, folded


def test_detect_language_of_catalog_text():
    assert analysis.detect_language("A gripping story of the sea and a book") == "en"
    assert analysis.detect_language("Põnev lugu merest ja raamat") == "et"
    assert analysis.detect_language("") == "et"


def test_language_of_prefers_the_declared_language():
    assert analysis.language_of("English", "Põnev lugu") == "en"
    assert analysis.language_of("et", "the story of a book") == "et"
    assert analysis.language_of(None, "the story of a book") == "en"
