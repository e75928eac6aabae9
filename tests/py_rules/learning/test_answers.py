"""Auto-grading answers: case and accents tolerated per language, inflected forms accepted."""

from __future__ import annotations

import pytest

from py_rules.learning import Rating, grade_answer


@pytest.mark.parametrize(
    ("answer", "forms", "language", "rating"),
    [
        ("Été", ["été"], "fr", Rating.GOOD),
        ("  ÉTÉ ", ["été"], "fr", Rating.GOOD),
        ("ete", ["été"], "fr", Rating.HARD),
        ("casas", ["casa", "casas"], "es", Rating.GOOD),
        ("Strasse", ["straße"], "de", Rating.GOOD),
        ("cafe", ["café"], "pt-BR", Rating.HARD),
        ("ban", ["bàn"], "vi", Rating.AGAIN),
        ("bàn", ["bàn"], "vi", Rating.GOOD),
        ("perro", ["gato"], "es", Rating.AGAIN),
        ("", ["gato"], "es", Rating.AGAIN),
    ],
)
def test_grade_answer(answer: str, forms: list[str], language: str, rating: Rating) -> None:
    """Exact (normalised) form: Good; accents only wrong: Hard (not where marks are letters)."""
    assert grade_answer(answer, forms, language) is rating
