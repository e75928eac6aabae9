"""Text to syntax tree: the packaged LALR grammar, with nodes built as rules are reduced."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any, cast

import lark
from lark import Token

from py_rules.dice.limits import DEFAULT_LIMITS, Limits, check_limit
from py_rules.dice.nodes import (
    Binary,
    BinOp,
    CompareOp,
    Comparison,
    Condition,
    Dice,
    DiceSet,
    Die,
    DieKind,
    Explode,
    Group,
    Keep,
    KeepKind,
    Labeled,
    Literal,
    Node,
    Reroll,
    Unary,
)
from py_rules.dice.validate import validate_tree
from py_rules.errors import DiceSyntaxError

__all__ = ["parse"]

# int() refuses more than 4300 digits; any Limits field is far below this anyway.
_MAX_DIGITS = 4000
_COMPARE = {"<": CompareOp.LT, "<=": CompareOp.LE, ">": CompareOp.GT, ">=": CompareOp.GE}
_COMPARE |= {"=": CompareOp.EQ, "==": CompareOp.EQ}
_BINOP = {"+": BinOp.ADD, "-": BinOp.SUB, "\u2212": BinOp.SUB, "*": BinOp.MUL, "/": BinOp.DIV}
_BINOP |= {"\u00d7": BinOp.MUL, "\u00f7": BinOp.DIV}


def _position(token: Token) -> int:
    return token.start_pos or 0


def _int(digits: str, position: int) -> int:
    if len(digits) > _MAX_DIGITS:
        raise DiceSyntaxError("number has too many digits", position)
    return int(digits)


def _tok_int(token: Token) -> int:
    return _int(str(token), _position(token))


def _die(token: Token) -> Die:
    size = token[1:]
    if size == "%":
        return Die(DieKind.PERCENT, 100)
    if size in ("f", "F"):
        return Die(DieKind.FUDGE, 3)
    sides = _int(size, _position(token))
    if sides < 1:
        raise DiceSyntaxError("a die needs at least one side", _position(token))
    return Die(DieKind.STANDARD, sides)


class _Builder(lark.Transformer[Token, Node]):
    """Callbacks named after grammar rules; modifiers come back as (field, value, position)."""

    def literal(self, children: list[Token]) -> Literal:
        return Literal(_tok_int(children[0]))

    def group(self, children: list[Node]) -> Group:
        return Group(children[0])

    def set_items(self, children: list[Node]) -> tuple[Node, ...]:
        return tuple(children)

    def dice_set(self, children: list[Any]) -> DiceSet:
        keep = children[1][1] if len(children) > 1 else None
        return DiceSet(children[0], keep)

    def unary(self, children: list[Any]) -> Unary:
        return Unary(children[0] != "+", children[1])

    def binary(self, children: list[Any]) -> Binary:
        return Binary(_BINOP[children[1]], children[0], children[2])

    def compare(self, children: list[Any]) -> Comparison:
        return Comparison(_COMPARE[children[1]], children[0], children[2])

    def labeled(self, children: list[Any]) -> Labeled:
        return Labeled(children[0], str(children[1])[1:-1])

    def condition(self, children: list[Token]) -> tuple[Condition, int]:
        op = _COMPARE[children[0]] if len(children) == 2 else CompareOp.EQ
        return Condition(op, _tok_int(children[-1])), _position(children[0])

    def keep(self, children: list[Token]) -> tuple[str, Keep, int]:
        count = _tok_int(children[1]) if len(children) > 1 else 1
        return "keep", Keep(KeepKind(str(children[0])), count), _position(children[0])

    def reroll(self, children: list[Any]) -> tuple[str, Reroll, int]:
        once = children[0] == "ro"
        return "reroll", Reroll(children[1][0], once), _position(children[0])

    def explode(self, children: list[Any]) -> tuple[str, Explode, int]:
        condition = children[1][0] if len(children) > 1 else None
        return "explode", Explode(condition), _position(children[0])

    def clamp(self, children: list[Token]) -> tuple[str, int, int]:
        field = "minimum" if children[0] == "mi" else "maximum"
        return field, _tok_int(children[1]), _position(children[0])

    def success(self, children: list[Token]) -> tuple[str, Condition, int]:
        condition = Condition(_COMPARE[children[0]], _tok_int(children[1]))
        return "success", condition, _position(children[0])

    def count_success(self, children: list[Any]) -> tuple[str, Condition, int]:
        return "success", children[1][0], _position(children[0])

    def dice(self, children: list[Any]) -> Dice:
        count = 1
        if isinstance(children[0], Token) and children[0].type == "INT":
            count = _tok_int(children.pop(0))
        die = _die(children[0])
        modifiers: dict[str, Any] = {}
        for field, value, position in children[1:]:
            if field in modifiers:
                raise DiceSyntaxError(f"modifier {field} given twice", position)
            modifiers[field] = value
        return Dice(count, die, **modifiers)


_PARSER = lark.Lark(
    resources.files("py_rules.dice").joinpath("grammar.lark").read_text(encoding="utf-8"),
    parser="lalr",
    lexer="basic",
    transformer=_Builder(),
)
# lark compiles its lexer on first use; do it at import so no roll pays for it.
_PARSER.parse("1")


def _syntax_error(error: lark.exceptions.LarkError, text: str) -> DiceSyntaxError:
    if isinstance(error, lark.exceptions.UnexpectedCharacters):
        position = error.pos_in_stream or 0
        return DiceSyntaxError(f"unexpected character {text[position]!r}", position)
    token: Token | None = getattr(error, "token", None)
    if token is not None and token.type != "$END":
        return DiceSyntaxError(f"unexpected {str(token)!r}", _position(token))
    return DiceSyntaxError("unexpected end of expression", len(text))


@lru_cache(maxsize=4096)
def parse(text: str, limits: Limits = DEFAULT_LIMITS) -> Node:
    """Parse dice notation into a syntax tree, checking every `Limits` bound on the way."""
    check_limit(limits, "max_expression_length", len(text))
    try:
        tree = cast(Node, _PARSER.parse(text))
    except lark.exceptions.VisitError as error:  # lark versions differ in wrapping callbacks
        original = error.orig_exc
        if isinstance(original, DiceSyntaxError):
            raise original from None
        raise DiceSyntaxError(f"invalid expression ({original})", 0) from error
    except lark.exceptions.LarkError as error:
        raise _syntax_error(error, text) from None
    validate_tree(tree, limits)
    return tree
