"""Act as an API role on a psycopg connection, exactly as PostgREST sets up a request.

PostgREST (and our REST, auth, realtime and dice servers) open a transaction, switch `role` and
set the transaction-local `request.jwt.claims` and `request.headers`; RLS then decides. These
helpers do the same, so SQL tests see precisely what a client would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import psycopg

__all__ = ["acting_as", "claims_for"]

API_ROLES = ("anon", "authenticated", "service_role")


def claims_for(role: str, user_id: UUID | str | None = None, **extra: Any) -> dict[str, Any]:
    """JWT claims as the API would decode them for `role` (and `user_id` when signed in)."""
    claims: dict[str, Any] = {"role": role, **extra}
    if user_id is not None:
        claims["sub"] = str(user_id)
    return claims


@contextmanager
def acting_as(
    conn: psycopg.Connection[Any],
    role: str,
    user_id: UUID | str | None = None,
    *,
    claims: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    roll_source: bool = False,
    rollback: bool = False,
) -> Iterator[psycopg.Connection[Any]]:
    """Run the block in one transaction as `role` with its claims and request headers.

    `roll_source` marks the transaction as the dice service does (`app.roll_source`);
    `rollback` discards everything the block did.
    """
    if role not in API_ROLES:
        raise ValueError(f"not an API role: {role}")
    payload = dict(claims) if claims is not None else claims_for(role, user_id)
    with conn.transaction(force_rollback=rollback):
        conn.execute(
            "select set_config('role', %s, true), set_config('request.jwt.claims', %s, true),"
            " set_config('request.headers', %s, true),"
            " set_config('app.roll_source', %s, true)",
            (
                role,
                json.dumps(payload),
                json.dumps(dict(headers or {})),
                "dice-service" if roll_source else "",
            ),
        )
        yield conn
