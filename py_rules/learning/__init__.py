"""The learning loop's pure rules: familiarity bonus, answer grading, XP and streaks.

familiarity_bonus([0.93, 0.95])                      # +2 on a language challenge's check
grade_answer("casas", ["casa", "casas"], "es")       # Rating.GOOD
streak(activities, now, "Europe/Berlin").days        # goal days in a row, freezes applied
"""

from py_rules.learning.answers import (
    STRICT_ACCENT_LANGUAGES,
    Rating,
    grade_answer,
    normalize_answer,
)
from py_rules.learning.familiarity import (
    FAMILIARITY_STEPS,
    UNREVIEWED_RETRIEVABILITY,
    familiarity_bonus,
)
from py_rules.learning.streak import (
    Activity,
    StreakRules,
    StreakState,
    local_date,
    review_xp,
    streak,
)

__all__ = [
    "FAMILIARITY_STEPS",
    "STRICT_ACCENT_LANGUAGES",
    "UNREVIEWED_RETRIEVABILITY",
    "Activity",
    "Rating",
    "StreakRules",
    "StreakState",
    "familiarity_bonus",
    "grade_answer",
    "local_date",
    "normalize_answer",
    "review_xp",
    "streak",
]
