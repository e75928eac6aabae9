"""Result tree: mirrors the syntax tree, with every die's faces and fate recorded.

Results are named tuples because a roll builds one per term: they are immutable and cheap.
"""

from __future__ import annotations

from typing import NamedTuple, TypeAlias

from py_rules.dice.nodes import (
    Binary,
    Comparison,
    Dice,
    DiceSet,
    Group,
    Labeled,
    Literal,
    Node,
    Unary,
)

__all__ = [
    "BinaryResult",
    "ComparisonResult",
    "DiceResult",
    "DieRoll",
    "Draw",
    "GroupResult",
    "LabeledResult",
    "LiteralResult",
    "Result",
    "RollResult",
    "SetResult",
    "UnaryResult",
]

# The faces rolled for one draw of a die: every face but the last was rerolled away.
Draw: TypeAlias = tuple[int, ...]


class DieRoll(NamedTuple):
    """One die. `draws` has one entry per explosion step (a single entry if it did not explode);
    `raw` is the sum of each draw's last face, `value` is `raw` after `mi`/`ma`."""

    value: int
    raw: int
    draws: tuple[Draw, ...]
    kept: bool
    success: bool | None

    @property
    def rerolled(self) -> bool:
        return any(len(draw) > 1 for draw in self.draws)

    @property
    def exploded(self) -> bool:
        return len(self.draws) > 1


class DiceResult(NamedTuple):
    """A dice term, stored column-wise; `dice` builds the per-die view on demand.

    `draws` is None when no die was rerolled or exploded (each die is then its raw face),
    `raw` is None when no `mi`/`ma` changed a value, `kept` is None when every die counts and
    `successes` is None unless the term counts successes.
    """

    node: Dice
    total: int
    values: tuple[int, ...]
    raw: tuple[int, ...] | None = None
    draws: tuple[tuple[Draw, ...], ...] | None = None
    kept: tuple[bool, ...] | None = None
    successes: tuple[bool, ...] | None = None

    @property
    def dice(self) -> tuple[DieRoll, ...]:
        raw = self.raw or self.values
        draws = self.draws or tuple(((face,),) for face in raw)
        kept = self.kept or (True,) * len(self.values)
        successes = self.successes or (None,) * len(self.values)
        return tuple(map(DieRoll, self.values, raw, draws, kept, successes))


class LiteralResult(NamedTuple):
    node: Literal
    total: int


class SetResult(NamedTuple):
    node: DiceSet
    total: int
    items: tuple[Result, ...]
    kept: tuple[bool, ...] | None


class GroupResult(NamedTuple):
    node: Group
    total: int
    inner: Result


class UnaryResult(NamedTuple):
    node: Unary
    total: int
    operand: Result


class BinaryResult(NamedTuple):
    node: Binary
    total: int
    left: Result
    right: Result


class ComparisonResult(NamedTuple):
    node: Comparison
    total: int
    left: Result
    right: Result


class LabeledResult(NamedTuple):
    node: Labeled
    total: int
    inner: Result


Result: TypeAlias = (
    LiteralResult
    | DiceResult
    | SetResult
    | GroupResult
    | UnaryResult
    | BinaryResult
    | ComparisonResult
    | LabeledResult
)


class RollResult(NamedTuple):
    """A whole roll: the (possibly rewritten) syntax tree and its result tree."""

    expression: Node
    tree: Result

    @property
    def total(self) -> int:
        return self.tree.total
