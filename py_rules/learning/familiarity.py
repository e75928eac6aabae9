"""Familiarity: a language challenge's bonus from how well the player remembers its lexemes.

The dice service asks the fsrs package for each lexeme's current retrievability R (the chance
of recalling it now) and passes the values here; the mean decides the bonus:

    R >= 0.9 -> +2,  R >= 0.75 -> +1,  R >= 0.5 -> 0,  R < 0.5 -> -1

A lexeme never reviewed counts as R = 0.5 (neither known nor forgotten), so a challenge of new
words adds 0. familiarity_bonus([0.95, 0.91]) == 2; familiarity_bonus([]) == 0.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["FAMILIARITY_STEPS", "UNREVIEWED_RETRIEVABILITY", "familiarity_bonus"]

# (lowest mean retrievability, bonus), highest first; below the last step: -1.
FAMILIARITY_STEPS: tuple[tuple[float, int], ...] = ((0.9, 2), (0.75, 1), (0.5, 0))
UNREVIEWED_RETRIEVABILITY = 0.5
_FORGOTTEN = -1


def familiarity_bonus(retrievabilities: Sequence[float | None]) -> int:
    """The bonus for the mean retrievability of a challenge's lexemes (None: never reviewed)."""
    if not retrievabilities:
        return 0
    values = [UNREVIEWED_RETRIEVABILITY if r is None else r for r in retrievabilities]
    mean = sum(values) / len(values)
    for lowest, bonus in FAMILIARITY_STEPS:
        if mean >= lowest:
            return bonus
    return _FORGOTTEN
