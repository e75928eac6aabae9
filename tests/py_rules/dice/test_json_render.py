import json
import random

from hypothesis import given

from py_rules.dice.evaluator import roll
from py_rules.dice.json_render import result_to_json, to_json
from py_rules.errors import DiceError
from tests.helpers.client_json import json_object, json_rows
from tests.py_rules.dice_strategies import PROPERTY, expressions


def test_to_json_records_every_die() -> None:
    document = to_json(roll("4d6kh3 + 2 [str]", random.Random(3)))
    dice = json_rows(json_object(json_object(document["tree"])["left"])["dice"])
    assert len(dice) == 4
    assert sum(not die["kept"] for die in dice) == 1
    assert document["expression"] == "4d6kh3 + 2 [str]"


def test_result_to_json_names_rule() -> None:
    assert result_to_json(roll("3", random.Random(0)).tree)["type"] == "literal"


@PROPERTY
@given(expressions)
def test_to_json_is_plain_json(text: str) -> None:
    try:
        document = to_json(roll(text, random.Random(1)))
    except DiceError:
        return
    assert json.loads(json.dumps(document)) == document
