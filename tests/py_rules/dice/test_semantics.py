import pytest

from py_rules.dice.limits import Limits
from py_rules.dice.nodes import CompareOp, Condition, Die, DieKind, Explode, Keep, KeepKind, Reroll
from py_rules.dice.semantics import explode_test, holds, keep_mask, kept_range, reroll_cap


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [(CompareOp.LT, 3, True), (CompareOp.LE, 2, True), (CompareOp.GT, 2, False),
     (CompareOp.GE, 2, True), (CompareOp.EQ, 3, False)],
)  # fmt: skip
def test_holds_compares_strictly_where_written(op: CompareOp, value: int, expected: bool) -> None:
    assert holds(Condition(op, value), 2) is expected


def test_explode_test_defaults_to_highest_face() -> None:
    assert explode_test(Die(DieKind.FUDGE, 3), Explode(None)) == Condition(CompareOp.EQ, 1)


def test_reroll_cap_is_one_for_once() -> None:
    limits = Limits(max_rerolls=7)
    assert reroll_cap(Reroll(Condition(CompareOp.EQ, 1), once=True), limits) == 1
    assert reroll_cap(Reroll(Condition(CompareOp.EQ, 1), once=False), limits) == 7


@pytest.mark.parametrize(
    ("kind", "expected"),
    [(KeepKind.KEEP_HIGHEST, (3, 5)), (KeepKind.KEEP_LOWEST, (0, 2)),
     (KeepKind.DROP_HIGHEST, (0, 3)), (KeepKind.DROP_LOWEST, (2, 5))],
)  # fmt: skip
def test_kept_range_by_kind(kind: KeepKind, expected: tuple[int, int]) -> None:
    assert kept_range(Keep(kind, 2), 5) == expected


def test_kept_range_clamps_count() -> None:
    assert kept_range(Keep(KeepKind.KEEP_HIGHEST, 9), 3) == (0, 3)


def test_keep_mask_breaks_ties_by_position() -> None:
    assert keep_mask([4, 4, 1], Keep(KeepKind.KEEP_HIGHEST, 1)) == (False, True, False)
