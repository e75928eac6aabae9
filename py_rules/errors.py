"""The only exceptions the rules engine raises.

DiceError                      base class: catch this to handle any engine failure
├── DiceSyntaxError            malformed expression; carries `position` (0-based index)
├── LimitExceeded              a `Limits` bound was hit; carries `limit` (the field name)
├── EvaluationError            well-formed but impossible to evaluate (division by zero)
├── OddsError                  exact odds cannot be computed (e.g. possible division by zero)
├── RulesError                 unknown check or modifier type, invalid rules data
└── VerificationError          malformed fair-roll proof data (bad hex seed, ...)
"""

from __future__ import annotations

__all__ = [
    "DiceError",
    "DiceSyntaxError",
    "EvaluationError",
    "LimitExceeded",
    "OddsError",
    "RulesError",
    "VerificationError",
]


class DiceError(Exception):
    """Base class of every error raised by `py_rules`."""


class DiceSyntaxError(DiceError):
    """The expression does not follow the dice grammar."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} at position {position} (column {position + 1})")
        self.position = position
        self.column = position + 1


class LimitExceeded(DiceError):
    """A bound of `Limits` was exceeded; `limit` names the `Limits` field."""

    def __init__(self, limit: str, maximum: int, actual: int | None = None) -> None:
        detail = "" if actual is None else f" (got {actual})"
        super().__init__(f"limit {limit} exceeded: at most {maximum}{detail}")
        self.limit = limit
        self.maximum = maximum


class EvaluationError(DiceError):
    """A well-formed expression that cannot be evaluated, such as a division by zero."""


class OddsError(DiceError):
    """Exact odds are undefined for the expression (for example a possible division by zero)."""


class RulesError(DiceError):
    """Invalid rules data: an unknown check type or modifier type, a bad score."""


class VerificationError(DiceError):
    """Fair-roll proof data that cannot even be checked (malformed seed or record)."""
