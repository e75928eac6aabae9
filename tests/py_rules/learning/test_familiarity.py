"""The familiarity bonus of a language challenge from its lexemes' retrievability."""

from __future__ import annotations

import pytest

from py_rules.learning import familiarity_bonus


@pytest.mark.parametrize(
    ("retrievabilities", "bonus"),
    [
        ([0.95, 0.9], 2),
        ([0.8], 1),
        ([0.75], 1),
        ([0.6, 0.5], 0),
        ([0.49], -1),
        ([0.2, 0.3], -1),
        ([None, None], 0),
        ([], 0),
        ([0.99, None], 0),
        ([0.99, 0.6], 1),
    ],
)
def test_familiarity_bonus_follows_the_documented_mapping(
    retrievabilities: list[float | None], bonus: int
) -> None:
    """R >= 0.9 -> +2, >= 0.75 -> +1, >= 0.5 -> 0, below -> -1; never reviewed counts 0.5."""
    assert familiarity_bonus(retrievabilities) == bonus
