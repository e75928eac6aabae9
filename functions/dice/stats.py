"""Exact odds of expressions and of d20 checks (CPU-bound: routes run these in a thread)."""

from __future__ import annotations

from functions.dice.config import ODDS_LIMITS
from functions.dice.models.odds import (
    CheckOddsCreate,
    CheckOddsPublic,
    ExactPublic,
    OddsPublic,
    OutcomePublic,
)
from py_rules import (
    Advantage,
    chance_to_pass,
    check_expression,
    degree_odds,
    odds,
    parse,
    render_expression,
)

__all__ = ["check_odds", "expression_odds"]


def expression_odds(expression: str, dc: int | None, with_distribution: bool) -> OddsPublic:
    """Mean, variance, P(total >= dc) and optionally the whole distribution, all exact."""
    node = parse(expression.strip(), ODDS_LIMITS)
    distribution = odds(node, ODDS_LIMITS)
    outcomes = None
    if with_distribution:
        outcomes = [
            OutcomePublic(total=total, probability=ExactPublic.of(chance))
            for total, chance in distribution.probabilities().items()
        ]
    return OddsPublic(
        expression=render_expression(node),
        minimum=distribution.minimum,
        maximum=distribution.maximum,
        mean=ExactPublic.of(distribution.mean),
        variance=ExactPublic.of(distribution.variance),
        dc=dc,
        chance_at_least_dc=None if dc is None else ExactPublic.of(distribution.at_least(dc)),
        distribution=outcomes,
    )


def check_odds(body: CheckOddsCreate) -> CheckOddsPublic:
    """Chance of each degree of success of 1d20 + modifier against the DC."""
    advantage = Advantage(body.advantage)
    degrees = degree_odds(body.modifier, body.dc, advantage)
    return CheckOddsPublic(
        dc=body.dc,
        modifier=body.modifier,
        advantage=body.advantage,
        expression=render_expression(check_expression(body.modifier, advantage)),
        chance_to_pass=ExactPublic.of(chance_to_pass(body.dc, body.modifier, advantage)),
        degrees={degree.name.lower(): ExactPublic.of(chance) for degree, chance in degrees.items()},
    )
