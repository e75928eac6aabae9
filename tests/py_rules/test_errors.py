import pytest

from py_rules.errors import (
    DiceError,
    DiceSyntaxError,
    EvaluationError,
    LimitExceeded,
    OddsError,
    RulesError,
    VerificationError,
)


@pytest.mark.parametrize(
    "error",
    [EvaluationError, OddsError, RulesError, VerificationError, DiceSyntaxError, LimitExceeded],
)
def test_subclass_dice_error(error: type[Exception]) -> None:
    assert issubclass(error, DiceError)


def test_syntax_error_carries_position_and_column() -> None:
    error = DiceSyntaxError("unexpected '$'", 4)
    assert (error.position, error.column) == (4, 5)
    assert "position 4" in str(error)


def test_limit_exceeded_names_the_limit() -> None:
    error = LimitExceeded("max_dice", 10, 11)
    assert error.limit == "max_dice"
    assert error.maximum == 10
    assert "max_dice" in str(error)
