"""Who is searching: the verified JWT, and the audiences and locale their searches are held to.

The token is judged by the stack's one verifier; the database is then asked as the caller, in
one `functions.common.db.as_caller` transaction (whose pre-request check refuses a token of an
ended session with PGRST303), which audiences they may see and whether the locale is served.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg_pool import AsyncConnectionPool

from functions.common.db import Conn, as_caller
from functions.common.errors import ApiError
from native_platform.caller import (
    CallerContext,
    TokenProblem,
    TokenRejected,
    VerifiedToken,
    bearer_token,
    stack_verifier,
)

__all__ = ["Scope", "resolve_locale", "scope_of", "verify_token"]

_CHALLENGE = {"WWW-Authenticate": "Bearer"}
_CRYPTO = frozenset({TokenProblem.MALFORMED, TokenProblem.BAD_SIGNATURE})


@dataclass(frozen=True)
class Scope:
    """What the caller may see: `audiences` None means unrestricted, in one learner locale."""

    audiences: list[str] | None
    locale: str


def verify_token(authorization: str | None, secret: str) -> VerifiedToken:
    """A bearer token the stack's one verifier accepts (anon, user or service key); else 401
    with PostgREST's codes."""
    token = bearer_token(authorization)
    if token is None:
        raise ApiError(
            401, "PGRST302", "This endpoint requires a valid Bearer token", None, None, _CHALLENGE
        )
    try:
        return stack_verifier(secret).verify(token)
    except TokenRejected as rejected:
        code = "PGRST301" if rejected.problem in _CRYPTO else "PGRST303"
        raise ApiError(401, code, rejected.message, None, None, _CHALLENGE) from None


async def resolve_locale(conn: Conn, requested: str) -> str:
    """A learner locale with indexed documents; unknown ones are a 422."""
    cursor = await conn.execute(
        "select is_learner from public.locales where code = %s", (requested,)
    )
    row = await cursor.fetchone()
    if not row or not row[0]:
        raise ApiError(
            422, "invalid_locale", f"'{requested}' is not a learner locale", {"locale": requested}
        )
    return requested


async def scope_of(pool: AsyncConnectionPool, caller: CallerContext, locale: str) -> Scope:
    """Ask the database as the caller, exactly as the REST server would, in one transaction."""
    async with as_caller(pool, caller) as conn:
        cursor = await conn.execute("select app_private.search_audiences()")
        row = await cursor.fetchone()
        chosen = await resolve_locale(conn, locale)
    audiences = None if row is None or row[0] is None else list(row[0])
    return Scope(audiences, chosen)
