"""Syntax-tree nodes: frozen, typed, each tagged with the grammar rule that builds it."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar, TypeAlias

__all__ = [
    "BinOp",
    "Binary",
    "CompareOp",
    "Comparison",
    "Condition",
    "Dice",
    "DiceSet",
    "Die",
    "DieKind",
    "Explode",
    "Group",
    "Keep",
    "KeepKind",
    "Labeled",
    "Literal",
    "Node",
    "Reroll",
    "Unary",
]


class CompareOp(enum.Enum):
    """Comparisons are strict where written strict: `>4` means 5 or more."""

    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    EQ = "="


class KeepKind(enum.Enum):
    KEEP_HIGHEST = "kh"
    KEEP_LOWEST = "kl"
    DROP_HIGHEST = "dh"
    DROP_LOWEST = "dl"


class DieKind(enum.Enum):
    STANDARD = "standard"
    PERCENT = "percent"
    FUDGE = "fudge"


class BinOp(enum.Enum):
    ADD = "+"
    SUB = "-"
    MUL = "*"
    DIV = "/"


@dataclass(frozen=True, slots=True)
class Condition:
    """`<op> <value>`, as used by rerolls, explosions and success counting."""

    op: CompareOp
    value: int


@dataclass(frozen=True, slots=True)
class Keep:
    kind: KeepKind
    count: int


@dataclass(frozen=True, slots=True)
class Reroll:
    """`ro` rerolls once; `r` rerolls while the condition holds, up to `Limits.max_rerolls`."""

    condition: Condition
    once: bool


@dataclass(frozen=True, slots=True)
class Explode:
    """Compounding explosion; `condition` None means "on the highest face"."""

    condition: Condition | None


@dataclass(frozen=True, slots=True)
class Die:
    kind: DieKind
    sides: int

    @property
    def low(self) -> int:
        return -1 if self.kind is DieKind.FUDGE else 1

    @property
    def high(self) -> int:
        return 1 if self.kind is DieKind.FUDGE else self.sides


@dataclass(frozen=True, slots=True)
class Literal:
    rule: ClassVar[str] = "literal"
    value: int


@dataclass(frozen=True, slots=True)
class Dice:
    """`NdS` with its modifiers, always applied in this field order whatever the written order."""

    rule: ClassVar[str] = "dice"
    count: int
    die: Die
    reroll: Reroll | None = None
    explode: Explode | None = None
    minimum: int | None = None
    maximum: int | None = None
    keep: Keep | None = None
    success: Condition | None = None


@dataclass(frozen=True, slots=True)
class DiceSet:
    rule: ClassVar[str] = "set"
    items: tuple[Node, ...]
    keep: Keep | None = None


@dataclass(frozen=True, slots=True)
class Group:
    rule: ClassVar[str] = "group"
    inner: Node


@dataclass(frozen=True, slots=True)
class Unary:
    rule: ClassVar[str] = "unary"
    negative: bool
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary:
    rule: ClassVar[str] = "binary"
    op: BinOp
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Comparison:
    """d20-style comparison of two totals: 1 when true, 0 when false."""

    rule: ClassVar[str] = "compare"
    op: CompareOp
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Labeled:
    rule: ClassVar[str] = "labeled"
    inner: Node
    label: str


Node: TypeAlias = Literal | Dice | DiceSet | Group | Unary | Binary | Comparison | Labeled
