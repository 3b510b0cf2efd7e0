import asyncio

import pytest

from toolkit.assistant.validation import RuleValidator
from toolkit.shop.nonsense import MAX_MESSAGE_CHARS, clean, quick_check
from toolkit.shop.search import known_word_count


@pytest.mark.parametrize("text, reason", [
    ("", "empty"), ("   \n\t ", "empty"), ("x", "single character"), ("?!…", "punctuation only"),
    ("asdfghjkl", "keyboard mashing"), ("qwerty", "keyboard mashing"), ("zxcvbn", "keyboard mashing"),
    ("qwerty asdf", "keyboard mashing"), ("12345678", "random digits"), ("9384756291", "random digits"),
    ("aaaaaaaa", "repeated fragment"), ("abcabcabc", "repeated fragment"), ("lololol", "repeated fragment"),
])
def test_obvious_nonsense_fails_fast(text, reason):
    verdict = quick_check(text)
    assert (verdict.status, verdict.reason) == ("nonsense", reason)


@pytest.mark.parametrize("text", ["ASDFGHJKL12345", "abc123XYZ", "1984", "KRIMIROMAANID"])
def test_odd_looking_input_is_suspicious_not_rejected(text):
    assert quick_check(text).status == "suspicious"


@pytest.mark.parametrize("text", [
    "krimiromaanid alla 20 euro", "Tere!", "hi", "näita veel", "P0000123", "mp3 mängija",
    "Kas see sobib 10-aastasele?", "a gift for my mother", "tere", "Harry Potter",
])
def test_sensible_messages_pass(text):
    assert quick_check(text).status == "ok"


def test_rule_validator_asks_the_catalog(catalog):
    validator = RuleValidator(lambda text: known_word_count(catalog, text))
    sensible = asyncio.run(validator.validate("KRIMIROMAANID", "et"))
    nonsense = asyncio.run(validator.validate("QXZVBNMLKJH", "et"))
    assert sensible.is_sensible and not nonsense.is_sensible and nonsense.confidence > 0.7
    assert asyncio.run(validator.validate("1984", "en")).is_sensible  # Orwell is in the catalog


def test_clean_removes_control_characters_and_caps_length():
    assert clean("tere\x00\x07 maailm\r\n") == "tere maailm"
    assert len(clean("a" * 100_000)) == MAX_MESSAGE_CHARS
    assert clean(None) == "" and clean(42) == "42"
