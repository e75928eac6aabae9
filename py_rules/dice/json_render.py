"""Result tree to plain JSON types (dicts, lists, str, int, bool, None)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from py_rules.dice.nodes import (
    Binary,
    Comparison,
    Dice,
    DiceSet,
    Group,
    Labeled,
    Literal,
    Unary,
)
from py_rules.dice.render import render_expression
from py_rules.dice.results import DieRoll, Result, RollResult
from py_rules.types import JsonDict, JsonValue

__all__ = ["result_to_json", "to_json"]


def _die(die: DieRoll) -> JsonDict:
    return {
        "value": die.value,
        "raw": die.raw,
        "draws": [list(draw) for draw in die.draws],
        "kept": die.kept,
        "rerolled": die.rerolled,
        "exploded": die.exploded,
        "success": die.success,
    }


def _dice(result: Any) -> JsonDict:
    return {"dice": [_die(die) for die in result.dice]}


def _set(result: Any) -> JsonDict:
    kept = result.kept or (True,) * len(result.items)
    items: list[JsonValue] = []
    for item, flag in zip(result.items, kept, strict=True):
        items.append({**result_to_json(item), "kept": flag})
    return {"items": items}


def _infix(result: Any) -> JsonDict:
    return {
        "op": result.node.op.value,
        "left": result_to_json(result.left),
        "right": result_to_json(result.right),
    }


_FIELDS: dict[type, Callable[[Any], JsonDict]] = {
    Literal: lambda _result: {},
    Dice: _dice,
    DiceSet: _set,
    Group: lambda result: {"inner": result_to_json(result.inner)},
    Labeled: lambda result: {"label": result.node.label, "inner": result_to_json(result.inner)},
    Unary: lambda result: {
        "negative": result.node.negative,
        "operand": result_to_json(result.operand),
    },
    Binary: _infix,
    Comparison: _infix,
}


def result_to_json(result: Result) -> JsonDict:
    """One result node as `{"type": rule, "expression": text, "total": n, ...children}`."""
    node = result.node
    head: JsonDict = {
        "type": node.rule,
        "expression": render_expression(node),
        "total": result.total,
    }
    return head | _FIELDS[type(node)](result)


def to_json(roll: RollResult) -> JsonDict:
    """The whole roll: canonical expression, total and the result tree."""
    return {
        "expression": render_expression(roll.expression),
        "total": roll.total,
        "tree": result_to_json(roll.tree),
    }
