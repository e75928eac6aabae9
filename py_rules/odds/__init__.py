"""Exact probability distributions of dice expressions."""

from py_rules.odds.dice_odds import odds
from py_rules.odds.distribution import Distribution

__all__ = ["Distribution", "odds"]
