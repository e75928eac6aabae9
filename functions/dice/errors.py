"""Every failure answers in PostgREST's error shape `{code, message, details, hint}`.

Client mistakes are 4xx: malformed dice (400, with the position), a `Limits` bound (400, naming
it), invalid bodies or queries (400; a check sending its own dc, modifier or proficiency is
`check_number_from_client`), refused by the database (401/403/409/429 as PostgREST maps its
SQLSTATEs). Only an unreachable database is a 5xx.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from functions.common.errors import ApiError, validation_details
from functions.common.errors import install_error_handlers as install
from functions.dice.models.rolls import CLIENT_NUMBER_ERROR
from py_rules import DiceError, DiceSyntaxError, LimitExceeded

__all__ = ["ApiError", "from_dice_error", "install_error_handlers"]

_CHECK_HINT = (
    "Name the check (kind, ability, level, language, advantage) and the ids of the modifiers "
    "the gm granted (granted_modifiers); a plain roll goes in `expression`."
)


def _syntax_error(error: DiceSyntaxError) -> ApiError:
    return ApiError(
        400,
        "invalid_dice_expression",
        str(error),
        {"position": error.position, "column": error.column},
        f"Check the dice notation at column {error.column} (position {error.position}).",
    )


def _limit_error(error: LimitExceeded) -> ApiError:
    return ApiError(
        400,
        "dice_limit_exceeded",
        str(error),
        {"limit": error.limit, "maximum": error.maximum},
        f"Stay within {error.limit} = {error.maximum}.",
    )


def from_dice_error(error: DiceError) -> ApiError:
    """The 400 answer for an engine error (syntax, limit, evaluation, odds, rules, proof)."""
    if isinstance(error, DiceSyntaxError):
        return _syntax_error(error)
    if isinstance(error, LimitExceeded):
        return _limit_error(error)
    code = "invalid_" + type(error).__name__.removesuffix("Error").lower()
    return ApiError(400, code, str(error))


def _validation_error(error: RequestValidationError) -> ApiError:
    """A check sending its own numbers is named; any other bad request is `invalid_request`."""
    details = validation_details(error)
    forged = [e for e in details if e.get("type") == CLIENT_NUMBER_ERROR]
    if forged:
        return ApiError(400, CLIENT_NUMBER_ERROR, forged[0]["msg"], details, _CHECK_HINT)
    return ApiError(400, "invalid_request", "The request is invalid", details)


def install_error_handlers(app: FastAPI) -> None:
    """The functions' handlers (`functions.common.errors`), plus the dice engine's errors."""
    install(app, validation=_validation_error, extra={DiceError: from_dice_error})
