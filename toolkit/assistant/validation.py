"""Step 0 of a turn: is the message worth answering?

`toolkit.shop.nonsense.quick_check` settles most messages in microseconds. A message that only
*looks* odd is `suspicious` and goes to a `QueryValidator`: the rules below, which ask the
catalog whether any word is one it knows, or a model behind the same protocol. A suspicious
message is rejected only when the validator is confident (> 0.7) that it is nonsense.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from toolkit.shop import text as analysis

REJECT_CONFIDENCE = 0.7


@dataclass(frozen=True)
class ValidationResult:
    is_sensible: bool
    confidence: float
    reason: str
    validator: str = "rules"


class QueryValidator(Protocol):
    """Decides whether a suspicious message makes sense. A model may implement it later."""

    name: str

    async def validate(self, message: str, language: str) -> ValidationResult: ...


class RuleValidator:
    """Sensible if the catalog knows any of the words (inflected and compound forms included)
    or the message holds a product id or a word the assistant itself answers; else nonsense at
    confidence 0.8."""

    name = "rules"

    def __init__(self, known_words: Callable[[str], int], product_ids: set[str] | None = None,
                 extra_words: set[str] | None = None) -> None:
        self._known_words = known_words
        self._ids = product_ids or set()
        self._extra = extra_words or set()

    async def validate(self, message: str, language: str) -> ValidationResult:
        return self.check(message)

    def check(self, message: str) -> ValidationResult:
        for word in analysis.words(message):
            if word.upper() in self._ids or analysis.fold(word) in self._extra:
                return ValidationResult(True, 0.9, f"knows '{word}'")
        if self._known_words(message) > 0:
            return ValidationResult(True, 0.85, "the catalog knows some of the words")
        return ValidationResult(False, 0.8, "no word the catalog or the assistant knows")
