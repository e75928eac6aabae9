"""Rolling a syntax tree.

A dispatch table keyed by node type compiles each tree once into nested closures (cached with
the parse), so a roll only draws dice and builds results.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from py_rules.dice.dice_term import Runner, compile_dice
from py_rules.dice.limits import DEFAULT_LIMITS, Limits
from py_rules.dice.nodes import (
    Binary,
    BinOp,
    Comparison,
    Dice,
    DiceSet,
    Group,
    Labeled,
    Literal,
    Node,
    Unary,
)
from py_rules.dice.parser import parse
from py_rules.dice.results import (
    BinaryResult,
    ComparisonResult,
    GroupResult,
    LabeledResult,
    LiteralResult,
    Result,
    RollResult,
    SetResult,
    UnaryResult,
)
from py_rules.dice.rng import DiceRNG
from py_rules.dice.semantics import COMPARATORS, keep_mask
from py_rules.errors import EvaluationError

__all__ = ["compile_tree", "roll"]


def _literal(node: Literal, _limits: Limits) -> Runner:
    result = LiteralResult(node, node.value)
    return lambda _rng: result


def _set(node: DiceSet, limits: Limits) -> Runner:
    runners = [compile_tree(item, limits) for item in node.items]

    def run(rng: DiceRNG) -> Result:
        items = tuple([runner(rng) for runner in runners])
        totals = [item.total for item in items]
        kept = None if node.keep is None else keep_mask(totals, node.keep)
        total = (
            sum(totals) if kept is None else sum(t for t, k in zip(totals, kept, strict=True) if k)
        )
        return SetResult(node, total, items, kept)

    return run


def _group(node: Group, limits: Limits) -> Runner:
    inner = compile_tree(node.inner, limits)

    def run(rng: DiceRNG) -> Result:
        result = inner(rng)
        return GroupResult(node, result.total, result)

    return run


def _labeled(node: Labeled, limits: Limits) -> Runner:
    inner = compile_tree(node.inner, limits)

    def run(rng: DiceRNG) -> Result:
        result = inner(rng)
        return LabeledResult(node, result.total, result)

    return run


def _unary(node: Unary, limits: Limits) -> Runner:
    operand, sign = compile_tree(node.operand, limits), -1 if node.negative else 1

    def run(rng: DiceRNG) -> Result:
        result = operand(rng)
        return UnaryResult(node, sign * result.total, result)

    return run


def _divide(left: int, right: int) -> int:
    if right == 0:
        raise EvaluationError("division by zero")
    return left // right


_OPERATORS: dict[BinOp, Callable[[int, int], int]] = {
    BinOp.ADD: int.__add__,
    BinOp.SUB: int.__sub__,
    BinOp.MUL: int.__mul__,
    BinOp.DIV: _divide,
}


def _binary(node: Binary, limits: Limits) -> Runner:
    left, right = compile_tree(node.left, limits), compile_tree(node.right, limits)
    apply = _OPERATORS[node.op]

    def run(rng: DiceRNG) -> Result:
        a, b = left(rng), right(rng)
        return BinaryResult(node, apply(a.total, b.total), a, b)

    return run


def _comparison(node: Comparison, limits: Limits) -> Runner:
    left, right = compile_tree(node.left, limits), compile_tree(node.right, limits)
    compare = COMPARATORS[node.op]

    def run(rng: DiceRNG) -> Result:
        a, b = left(rng), right(rng)
        return ComparisonResult(node, int(compare(a.total, b.total)), a, b)

    return run


_COMPILERS: dict[type, Callable[[Any, Limits], Runner]] = {
    Literal: _literal,
    Dice: compile_dice,
    DiceSet: _set,
    Group: _group,
    Labeled: _labeled,
    Unary: _unary,
    Binary: _binary,
    Comparison: _comparison,
}


def compile_tree(node: Node, limits: Limits = DEFAULT_LIMITS) -> Runner:
    """A function rolling `node` with a given RNG; the tree must already be validated."""
    return _COMPILERS[type(node)](node, limits)


@lru_cache(maxsize=4096)
def _compiled_text(text: str, limits: Limits) -> tuple[Node, Runner]:
    node = parse(text, limits)
    return node, compile_tree(node, limits)


# Keyed by the text alone: hashing a `Limits` on every roll would cost as much as the roll.
@lru_cache(maxsize=4096)
def _compiled_default(text: str) -> tuple[Node, Runner]:
    return _compiled_text(text, DEFAULT_LIMITS)


@lru_cache(maxsize=1024)
def _compiled_node(node: Node, limits: Limits) -> Runner:
    return compile_tree(node, limits)


def roll(expression: str | Node, rng: DiceRNG, limits: Limits = DEFAULT_LIMITS) -> RollResult:
    """Roll dice notation (parsed and compiled once per distinct text) or a validated tree."""
    if isinstance(expression, str):
        if limits is DEFAULT_LIMITS:
            node, runner = _compiled_default(expression)
        else:
            node, runner = _compiled_text(expression, limits)
    else:
        node, runner = expression, _compiled_node(expression, limits)
    return RollResult(node, runner(rng))
