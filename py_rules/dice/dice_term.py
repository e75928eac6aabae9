"""Compiling a dice term: draw faces, reroll, explode, clamp, keep/drop, count successes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from py_rules.dice.limits import Limits
from py_rules.dice.nodes import Condition, Dice
from py_rules.dice.results import DiceResult, Draw, Result
from py_rules.dice.rng import DiceRNG, batch_draw
from py_rules.dice.semantics import explode_test, holds, kept_range, reroll_cap

__all__ = ["Runner", "compile_dice"]

Runner = Callable[[DiceRNG], Result]


def _plain_dice(node: Dice) -> Runner:
    low, sides, count = node.die.low, node.die.sides, node.count

    def run_one(rng: DiceRNG) -> Result:
        value = rng.randrange(sides) + low
        return DiceResult(node, value, (value,))

    def run_many(rng: DiceRNG) -> Result:
        values = tuple([face + low for face in batch_draw(rng)(sides, count)])
        return DiceResult(node, sum(values), values)

    return run_one if count == 1 else run_many


def _face_set(node: Dice, condition: Condition) -> frozenset[int]:
    return frozenset(f for f in range(node.die.low, node.die.high + 1) if holds(condition, f))


def _chain_drawer(node: Dice, limits: Limits) -> Callable[[DiceRNG], tuple[Draw, ...]]:
    """Draws one die: rerolls inside a draw, then (compounding) explosions as further draws."""
    low, sides = node.die.low, node.die.sides
    rerolls = frozenset() if node.reroll is None else _face_set(node, node.reroll.condition)
    cap = 0 if node.reroll is None else reroll_cap(node.reroll, limits)
    explodes = (
        frozenset()
        if node.explode is None
        else _face_set(node, explode_test(node.die, node.explode))
    )
    max_draws = limits.max_explosions + 1

    def draw(rng: DiceRNG) -> Draw:
        face = rng.randrange(sides) + low
        if face not in rerolls:
            return (face,)
        faces = [face]
        while faces[-1] in rerolls and len(faces) <= cap:
            faces.append(rng.randrange(sides) + low)
        return tuple(faces)

    def chain(rng: DiceRNG) -> tuple[Draw, ...]:
        first = draw(rng)
        if first[-1] not in explodes:
            return (first,)
        draws = [first]
        while draws[-1][-1] in explodes and len(draws) < max_draws:
            draws.append(draw(rng))
        return tuple(draws)

    return chain


def _chain_total(draws: tuple[Draw, ...]) -> int:
    return draws[0][-1] if len(draws) == 1 else sum(draw[-1] for draw in draws)


def _raw_drawer(node: Dice, limits: Limits) -> Callable[[DiceRNG], tuple[tuple[int, ...], Any]]:
    """Returns (raw value per die, draws per die or None when there is nothing to record)."""
    low, sides, count = node.die.low, node.die.sides, node.count
    if node.reroll is None and node.explode is None:
        return lambda rng: (tuple([f + low for f in batch_draw(rng)(sides, count)]), None)
    chain = _chain_drawer(node, limits)

    def draw_chains(rng: DiceRNG) -> tuple[tuple[int, ...], Any]:
        chains = tuple([chain(rng) for _ in range(count)])
        return tuple([_chain_total(dice) for dice in chains]), chains

    return draw_chains


def _clamper(node: Dice) -> Callable[[tuple[int, ...]], tuple[int, ...]] | None:
    """`mi` raises first, then `ma` lowers (so `ma` wins when the two cross)."""
    low, high = node.minimum, node.maximum
    if low is None:
        return None if high is None else lambda raw: tuple([min(v, high) for v in raw])
    if high is None:
        return lambda raw: tuple([max(v, low) for v in raw])
    return lambda raw: tuple([min(max(v, low), high) for v in raw])


def _single_masker(count: int, highest: bool) -> Callable[[tuple[int, ...]], tuple[bool, ...]]:
    """Keeping one die (advantage and the like): the same pick as `keep_mask`, found in O(n)."""
    order = range(count - 1, -1, -1) if highest else range(count)
    pick = max if highest else min

    def mask(values: tuple[int, ...]) -> tuple[bool, ...]:
        flags = [False] * count
        flags[pick(order, key=values.__getitem__)] = True
        return tuple(flags)

    return mask


def _masker(node: Dice) -> Callable[[tuple[int, ...]], tuple[bool, ...]] | None:
    if node.keep is None:
        return None
    count = node.count
    start, stop = kept_range(node.keep, count)
    if stop - start == 1:
        return _single_masker(count, highest=stop == count)

    def mask(values: tuple[int, ...]) -> tuple[bool, ...]:
        flags = [False] * count
        for index in sorted(range(count), key=values.__getitem__)[start:stop]:
            flags[index] = True
        return tuple(flags)

    return mask


def compile_dice(node: Dice, limits: Limits) -> Runner:
    """A runner for one dice term, specialised for the modifiers it has."""
    modifiers = (node.reroll, node.explode, node.minimum, node.maximum, node.keep, node.success)
    if all(modifier is None for modifier in modifiers):
        return _plain_dice(node)
    draw, clamp, mask = _raw_drawer(node, limits), _clamper(node), _masker(node)
    success = node.success

    def run(rng: DiceRNG) -> Result:
        raw, chains = draw(rng)
        values = raw if clamp is None else clamp(raw)
        kept = None if mask is None else mask(values)
        flags = None if success is None else tuple([holds(success, v) for v in values])
        counted: tuple[int, ...] = values if flags is None else flags
        if kept is not None:
            counted = tuple([c for c, k in zip(counted, kept, strict=True) if k])
        raw_record = None if raw == values else raw
        return DiceResult(node, sum(counted), values, raw_record, chains, kept, flags)

    return run
