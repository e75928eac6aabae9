"""Canonical expression text and the compact human-readable roll breakdown.

Breakdown marks: `~~3~~` a dropped die or set item, `1↻ 4` a face rerolled away, `6!+2` a
die that exploded (compounding), `1→2` a value raised by `mi`, `**5**` a counted success.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import repeat
from typing import Any

from py_rules.dice.nodes import (
    Binary,
    Comparison,
    Condition,
    Dice,
    DiceSet,
    DieKind,
    Group,
    Keep,
    Labeled,
    Literal,
    Node,
    Unary,
)
from py_rules.dice.results import Draw, Result, RollResult

__all__ = ["render_expression", "render_roll"]


def _condition(condition: Condition) -> str:
    return f"{condition.op.value}{condition.value}"


def _keep(keep: Keep | None) -> str:
    return "" if keep is None else f"{keep.kind.value}{keep.count}"


def _die(node: Dice) -> str:
    if node.die.kind is DieKind.PERCENT:
        return "d%"
    return "dF" if node.die.kind is DieKind.FUDGE else f"d{node.die.sides}"


def _modifiers(node: Dice) -> str:
    parts = []
    if node.reroll is not None:
        parts.append(("ro" if node.reroll.once else "r") + _condition(node.reroll.condition))
    if node.explode is not None:
        parts.append("!" + (_condition(node.explode.condition) if node.explode.condition else ""))
    parts += [] if node.minimum is None else [f"mi{node.minimum}"]
    parts += [] if node.maximum is None else [f"ma{node.maximum}"]
    parts.append(_keep(node.keep))
    if node.success is not None:
        # Right after a bare `!` a comparison would read as the explosion's condition.
        bare = node.explode is not None and node.explode.condition is None and node.keep is None
        parts.append(("cs" if bare else "") + _condition(node.success))
    return "".join(parts)


# Keyed by identity (holding the node, so its id cannot be reused): hashing a frozen node on
# every rendered roll would cost more than rendering it.
_DICE_TEXT: dict[int, tuple[Dice, str]] = {}


def _dice_text(node: Dice) -> str:
    entry = _DICE_TEXT.get(id(node))
    if entry is not None and entry[0] is node:
        return entry[1]
    if len(_DICE_TEXT) >= 4096:
        _DICE_TEXT.clear()
    text = f"{node.count}{_die(node)}{_modifiers(node)}"
    _DICE_TEXT[id(node)] = (node, text)
    return text


_EXPRESSION: dict[type, Callable[[Any], str]] = {
    Literal: lambda node: str(node.value),
    Dice: _dice_text,
    DiceSet: lambda node: "(" + _set_items(node.items) + ")" + _keep(node.keep),
    Group: lambda node: f"({render_expression(node.inner)})",
    Labeled: lambda node: f"{render_expression(node.inner)} [{node.label}]",
    Unary: lambda node: ("-" if node.negative else "+") + render_expression(node.operand),
    Binary: lambda node: _infix(node.left, node.op.value, node.right),
    Comparison: lambda node: _infix(node.left, node.op.value, node.right),
}


def _set_items(items: tuple[Node, ...]) -> str:
    texts = [render_expression(item) for item in items]
    return texts[0] + "," if len(texts) == 1 else ", ".join(texts)


def _infix(left: Node, op: str, right: Node) -> str:
    return f"{render_expression(left)} {op} {render_expression(right)}"


def render_expression(node: Node) -> str:
    """Canonical text of a parsed tree; parsing it again gives an equal tree."""
    return _EXPRESSION[type(node)](node)


def _mark(text: str, value: int, raw: int, kept: bool, success: bool | None) -> str:
    if value != raw:
        text = f"{text}→{value}"
    if not kept:
        return f"~~{text}~~"
    return f"**{text}**" if success else text


def _draws_text(draws: tuple[Draw, ...]) -> str:
    if len(draws) == 1 and len(draws[0]) == 1:
        return str(draws[0][0])
    texts = ["".join(f"{face}↻ " for face in draw[:-1]) + str(draw[-1]) for draw in draws]
    return "!+".join(texts)


def _dice_breakdown(result: Any) -> str:
    values = result.values
    if result.draws is None and result.raw is None and result.kept is None:
        if result.successes is None:
            return f"{_dice_text(result.node)} ({', '.join(map(str, values))})"
    raw = result.raw or values
    shown = map(str, raw) if result.draws is None else map(_draws_text, result.draws)
    kept, successes = result.kept or repeat(True), result.successes or repeat(None)
    faces = map(_mark, shown, values, raw, kept, successes)
    return f"{_dice_text(result.node)} ({', '.join(faces)})"


def _set_breakdown(result: Any) -> str:
    texts = [render_result(item) for item in result.items]
    if result.kept is not None:
        texts = [
            text if kept else f"~~{text}~~" for text, kept in zip(texts, result.kept, strict=True)
        ]
    body = texts[0] + "," if len(texts) == 1 else ", ".join(texts)
    return f"({body}){_keep(result.node.keep)}"


def _infix_result(result: Any) -> str:
    op = result.node.op.value
    return f"{render_result(result.left)} {op} {render_result(result.right)}"


_BREAKDOWN: dict[type, Callable[[Any], str]] = {
    Literal: lambda result: str(result.total),
    Dice: _dice_breakdown,
    DiceSet: _set_breakdown,
    Group: lambda result: f"({render_result(result.inner)})",
    Labeled: lambda result: f"{render_result(result.inner)} [{result.node.label}]",
    Unary: lambda result: ("-" if result.node.negative else "+") + render_result(result.operand),
    Binary: _infix_result,
    Comparison: _infix_result,
}


def render_result(result: Result) -> str:
    """One term of the breakdown, keyed by the type of the node that produced it."""
    return _BREAKDOWN[type(result.node)](result)


def render_roll(roll: RollResult) -> str:
    """d20-style breakdown, e.g. `1d20 (15) + 5 = 20`."""
    return f"{render_result(roll.tree)} = {roll.total}"
