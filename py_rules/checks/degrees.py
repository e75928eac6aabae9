"""Degrees of success, PF2e style.

Meeting the DC succeeds and beating it by 10 or more is a critical success; missing it fails
and missing by 10 or more is a critical failure. A natural 20 then improves the degree by one
step and a natural 1 worsens it by one step (so a natural 20 is not an automatic success).
"""

from __future__ import annotations

import enum

__all__ = ["Degree", "degree_of_success"]

CRITICAL_MARGIN = 10


class Degree(enum.IntEnum):
    CRITICAL_FAILURE = 0
    FAILURE = 1
    SUCCESS = 2
    CRITICAL_SUCCESS = 3

    @property
    def passed(self) -> bool:
        return self >= Degree.SUCCESS


def _by_margin(total: int, dc: int) -> Degree:
    if total >= dc + CRITICAL_MARGIN:
        return Degree.CRITICAL_SUCCESS
    if total >= dc:
        return Degree.SUCCESS
    if total <= dc - CRITICAL_MARGIN:
        return Degree.CRITICAL_FAILURE
    return Degree.FAILURE


def degree_of_success(total: int, dc: int, natural: int) -> Degree:
    """Degree for a check total against `dc`, given the kept d20's natural face."""
    degree = _by_margin(total, dc)
    if natural == 20:
        return Degree(min(degree + 1, Degree.CRITICAL_SUCCESS))
    if natural == 1:
        return Degree(max(degree - 1, Degree.CRITICAL_FAILURE))
    return degree
