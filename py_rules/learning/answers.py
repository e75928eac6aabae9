"""Auto-grading a typed or picked answer: accent- and case-tolerant, inflected forms accepted.

An answer is compared with the lexeme's lemma and its surface forms (lexeme_forms) after
normalising both: Unicode NFC, case folded (so German ß matches ss), surrounding and repeated
spaces dropped. An exact match is Good. A match only once accents are stripped too is Hard (the
word was known, its spelling not quite), except in languages where the marks tell words apart
and are not optional; those only accept exact matches. Anything else is Again.

grade_answer("Été", ["été"], "fr") is Rating.GOOD; grade_answer("ete", ["été"], "fr") is HARD.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Iterable

__all__ = ["STRICT_ACCENT_LANGUAGES", "Rating", "grade_answer", "normalize_answer"]

# Languages whose diacritics are letters of their own: stripping them makes another word
# (Vietnamese tones, Turkish dotless i, Polish ł ...), so an answer missing them is wrong.
STRICT_ACCENT_LANGUAGES = frozenset({"vi", "tr", "pl", "cs", "sk", "hu", "ro"})


class Rating(enum.IntEnum):
    """FSRS ratings, as the fsrs package numbers them."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


def normalize_answer(text: str) -> str:
    """NFC, case folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def grade_answer(answer: str, accepted: Iterable[str], language: str) -> Rating:
    """GOOD for an accepted form, HARD for one with only accents wrong, else AGAIN."""
    given = normalize_answer(answer)
    forms = {normalize_answer(form) for form in accepted}
    if not given:
        return Rating.AGAIN
    if given in forms:
        return Rating.GOOD
    if language.split("-")[0].lower() in STRICT_ACCENT_LANGUAGES:
        return Rating.AGAIN
    if _strip_accents(given) in {_strip_accents(form) for form in forms}:
        return Rating.HARD
    return Rating.AGAIN
