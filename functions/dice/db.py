"""Database sessions of the dice service: the functions' one pattern (`functions.common.db`),
plus the mark only this service sets: rolls run with `app.roll_source` = 'dice-service', which
the dice_rolls policies require of a recorded roll."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from psycopg_pool import AsyncConnectionPool

from functions.common import db
from functions.common.db import Conn, as_caller
from native_platform.caller import CallerContext

__all__ = ["Conn", "as_caller", "retry_as_caller"]

T = TypeVar("T")
ROLL_SOURCE = {"app.roll_source": "dice-service"}


async def retry_as_caller(
    pool: AsyncConnectionPool,
    caller: CallerContext,
    work: Callable[[Conn], Awaitable[T]],
    *,
    roll_source: bool = False,
) -> T:
    """`work` as the caller, rerun after a deadlock; `roll_source` marks it as a roll."""
    return await db.retry_as_caller(pool, caller, work, ROLL_SOURCE if roll_source else None)
