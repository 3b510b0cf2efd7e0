"""Fail fast on nonsense: checks on what a person typed, before any other work.

`quick_check` is synchronous and costs microseconds: empty input, single characters, keyboard
mashing ("asdfghjkl", "qwerty", "zxcvbn"), random digit strings, repeated fragments and
punctuation are nonsense at once. Inputs that only *look* odd (long upper-case strings, letters
and digits mixed like "abc123XYZ", a short number) are `suspicious`: the assistant's validation
step (`toolkit.assistant.validation`) asks a validator about those.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

MAX_MESSAGE_CHARS = 2000  # beyond this a message is cut before analysis (and the reply says so)

_KEYBOARD_ROWS = ("qwertyuiopü", "asdfghjklöä", "zxcvbnm", "1234567890", "qwertzuiop", "azertyuiop")
_VOWELS = set("aeiouyõäöüéáíóú")
_ID_LIKE = re.compile(r"^[A-Za-z]{1,3}-?\d{3,}$")  # product ids such as P0000123 or SKU-123

Status = Literal["ok", "nonsense", "suspicious"]


@dataclass(frozen=True)
class Verdict:
    status: Status
    reason: str


def clean(message: object) -> str:
    """The message as text: control characters removed, whitespace collapsed, length capped."""
    text = message if isinstance(message, str) else ("" if message is None else str(message))
    text = "".join(c if c.isprintable() or c in "\n\t" else " " for c in text)
    text = unicodedata.normalize("NFC", re.sub(r"\s+", " ", text)).strip()
    return text[:MAX_MESSAGE_CHARS]


def _keyboard_run(word: str) -> int:
    """The longest run of neighbouring keys (either direction) in one keyboard row."""
    best = 0
    for row in _KEYBOARD_ROWS:
        for sequence in (row, row[::-1]):
            run = 1
            for a, b in zip(word, word[1:], strict=False):
                i = sequence.find(a)
                run = run + 1 if i >= 0 and i + 1 < len(sequence) and sequence[i + 1] == b else 1
                best = max(best, run)
    return best


def _repeated_fragment(text: str) -> bool:
    compact = re.sub(r"\s+", "", text.lower())
    if len(compact) < 6:
        return False
    for size in range(1, 4):
        unit = compact[:size]
        if unit * (len(compact) // size) == compact[: size * (len(compact) // size)] and \
                len(compact) // size >= 3 and compact.startswith(unit * 3):
            tail = compact[size * (len(compact) // size):]
            if unit.startswith(tail):
                return True
    return False


def _is_mashing(word: str) -> bool:
    w = word.lower()
    if len(w) < 4 or not w.isalpha():
        return False
    if _keyboard_run(w) >= max(4, int(len(w) * 0.6)):
        return True
    return len(w) >= 6 and not (set(w) & _VOWELS)


def quick_check(message: str) -> Verdict:
    """Obvious nonsense, suspicious, or fine: no I/O, no model."""
    text = message.strip()
    if not text:
        return Verdict("nonsense", "empty")
    if not any(c.isalnum() for c in text):
        return Verdict("nonsense", "punctuation only")
    compact = re.sub(r"\s+", "", text)
    if len(compact) == 1:
        return Verdict("nonsense", "single character")
    if compact.isdigit():
        return Verdict("nonsense", "random digits") if len(compact) >= 5 else Verdict(
            "suspicious", "a bare number")
    if _repeated_fragment(text):
        return Verdict("nonsense", "repeated fragment")
    words = re.findall(r"[^\W_]+", text)
    if words and all(_is_mashing(w) or (w.isdigit() and len(w) >= 3) for w in words) and any(
            _is_mashing(w) for w in words):
        return Verdict("nonsense", "keyboard mashing")
    for word in words:
        letters = sum(c.isalpha() for c in word)
        digits = sum(c.isdigit() for c in word)
        if letters and digits and not _ID_LIKE.match(word) and len(word) >= 5:
            return Verdict("suspicious", "letters and digits mixed")
        if letters >= 8 and word.isupper():
            return Verdict("suspicious", "long upper-case string")
    return Verdict("ok", "")
