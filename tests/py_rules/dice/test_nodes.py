import dataclasses

import pytest

from py_rules.dice.nodes import Dice, Die, DieKind, Literal


@pytest.mark.parametrize(
    ("die", "faces"),
    [(Die(DieKind.STANDARD, 8), (1, 8)), (Die(DieKind.PERCENT, 100), (1, 100)),
     (Die(DieKind.FUDGE, 3), (-1, 1))],
)  # fmt: skip
def test_die_faces_by_kind(die: Die, faces: tuple[int, int]) -> None:
    assert (die.low, die.high) == faces


def test_nodes_are_frozen_and_tagged() -> None:
    node = Literal(3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        node.value = 4  # type: ignore[misc]
    assert (Literal.rule, Dice.rule) == ("literal", "dice")
