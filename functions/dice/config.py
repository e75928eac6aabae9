"""The dice service's settings: the stack's own, read once through a cached dependency."""

from __future__ import annotations

from functools import lru_cache

from native_platform.settings import StackSettings, load_settings
from py_rules import Limits

__all__ = ["ODDS_LIMITS", "SERVICE_LIMITS", "get_settings"]

# dice_rolls.expression holds at most 200 characters; longer text is refused by name.
SERVICE_LIMITS = Limits(max_expression_length=200)
# /odds needs no token, so exact odds get a smaller budget (about half a second at most).
ODDS_LIMITS = Limits(max_odds_work=250_000)


@lru_cache
def get_settings() -> StackSettings:
    """The settings of the stack in force (`RFL_ENV_FILE`); tests override this dependency."""
    return load_settings()
