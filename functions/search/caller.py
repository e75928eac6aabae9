"""Who is searching: the verified JWT, and the audiences and locale their searches are held to."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson
import psycopg
from fastapi import HTTPException

from native_platform.caller import TokenRejected, bearer_token, stack_verifier

__all__ = ["Caller", "resolve_locale", "session_active", "verify_token"]

SESSION_ENDED = "JWT session is no longer active"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


@dataclass(frozen=True)
class Caller:
    """The verified claims and what they may see; `audiences` None means unrestricted."""

    claims: dict[str, Any]
    audiences: list[str] | None


def verify_token(authorization: str | None, secret: str) -> dict[str, Any]:
    """Claims of a bearer token the stack's one verifier accepts (anon, user or service key);
    else 401."""
    token = bearer_token(authorization)
    if token is None:
        raise HTTPException(401, "This endpoint requires a valid Bearer token")
    try:
        return stack_verifier(secret).verify(token).claims
    except TokenRejected as rejected:
        raise HTTPException(401, f"invalid token: {rejected.message}") from None


def session_active(conn: psycopg.Connection, claims: dict[str, Any]) -> bool:
    """The REST pre-request hook's rule: a token naming a session is good only while that
    session is active (not signed out, revoked or banned); API keys name none."""
    session_id = claims.get("session_id")
    if session_id is None or claims["role"] == "service_role":
        return True
    if not isinstance(session_id, str) or not UUID.fullmatch(session_id):
        return False
    row = conn.execute("select auth.session_is_active(%s::uuid)", (session_id,)).fetchone()
    return bool(row and row[0])


def caller_audiences(conn: psycopg.Connection, claims: dict[str, Any]) -> list[str] | None:
    """Ask the database, acting as the caller exactly as the REST server would; a token of an
    ended session is a 401.

    The settings are transaction-local: the session is back to service_role afterwards.
    """
    with conn.transaction():
        if not session_active(conn, claims):
            raise HTTPException(401, SESSION_ENDED)
        conn.execute(
            "select set_config('role', %s, true), set_config('request.jwt.claims', %s, true)",
            (claims["role"], orjson.dumps(claims).decode()),
        )
        row = conn.execute("select app_private.search_audiences()").fetchone()
    return None if row is None or row[0] is None else list(row[0])


def resolve_locale(conn: psycopg.Connection, requested: str) -> str:
    """A learner locale with indexed documents; unknown ones are a 422."""
    row = conn.execute(
        "select is_learner from public.locales where code = %s", (requested,)
    ).fetchone()
    if not row or not row[0]:
        raise HTTPException(422, f"'{requested}' is not a learner locale")
    return requested
