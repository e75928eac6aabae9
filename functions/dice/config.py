"""The dice service's settings: the functions' one pattern (`functions.common.config`), read
once through a cached dependency."""

from __future__ import annotations

from functions.common.config import FunctionSettings, settings_dependency
from py_rules import Limits

__all__ = ["ODDS_LIMITS", "SERVICE_LIMITS", "DiceSettings", "get_settings"]

# dice_rolls.expression holds at most 200 characters; longer text is refused by name.
SERVICE_LIMITS = Limits(max_expression_length=200)
# /odds needs no token, so exact odds get a smaller budget (about half a second at most).
ODDS_LIMITS = Limits(max_odds_work=250_000)


class DiceSettings(FunctionSettings):
    """The login DSN and the JWT secret; the service has no setting of its own yet."""


get_settings = settings_dependency(DiceSettings)
