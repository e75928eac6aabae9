"""Bounds that keep parsing, rolling and exact odds fast and memory-safe."""

from __future__ import annotations

from dataclasses import dataclass

from py_rules.errors import LimitExceeded

__all__ = ["DEFAULT_LIMITS", "MAX_TREE_DEPTH", "Limits", "check_limit"]


# Trees are walked recursively (a few frames per level); this keeps them within Python's stack.
MAX_TREE_DEPTH = 250


@dataclass(frozen=True, slots=True)
class Limits:
    """Every bound is checked before the work it guards, and names itself when exceeded.

    A tree is at most `max_terms + max_nesting_depth` levels deep, which may not pass
    `MAX_TREE_DEPTH`.
    """

    max_expression_length: int = 1000
    max_nesting_depth: int = 20
    max_terms: int = 100
    max_dice: int = 1000
    max_sides: int = 1000
    max_literal: int = 1_000_000
    max_explosions: int = 10
    max_rerolls: int = 10
    max_odds_work: int = 2_000_000  # about two seconds of exact-odds work

    def __post_init__(self) -> None:
        depth = self.max_terms + self.max_nesting_depth
        if depth > MAX_TREE_DEPTH:
            raise LimitExceeded("max_terms + max_nesting_depth", MAX_TREE_DEPTH, depth)


DEFAULT_LIMITS = Limits()


def check_limit(limits: Limits, name: str, actual: int) -> None:
    """Raise `LimitExceeded` when `actual` is above the `Limits` field `name`."""
    maximum: int = getattr(limits, name)
    if actual > maximum:
        raise LimitExceeded(name, maximum, actual)
