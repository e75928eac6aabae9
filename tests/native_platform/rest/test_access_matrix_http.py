"""The data core's access matrix (`tests/sql/matrix.py`) replayed over the REST API.

Every actor calls the real server over the project's migrations with its own JWT, minted as the
auth server mints access tokens and naming a live session (the pre-request hook checks it); anon
calls with the anon key and with no header. Reads list whole tables; every write asks for
`tx=rollback`, so one world serves the module. `insert (dice service)` is the dice service's own
path, not a REST request.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import jwt
import orjson
import psycopg
import pytest

from native_platform.rest import create_app, settings_for_stack
from native_platform.settings import StackSettings
from tests.helpers.servers import serve
from tests.native_platform.rest.support import wait_for_schema_cache
from tests.sql.matrix import ACTORS, MATRIX, UPDATE_COLUMN
from tests.sql.world import C1, ROWS, USERS, build_world

REST_OPERATIONS = ("select", "insert", "update", "delete")
CELLS = [cell for cell in MATRIX if cell[1] in REST_OPERATIONS]
ERROR_KEYS = {"code", "message", "details", "hint"}
WRITE = {"Content-Type": "application/json"}
# Who calls (anon twice: with the anon key, and with no header at all) -> the matrix's actor.
CALLERS = {**{actor: actor for actor in ACTORS}, "anon, no key": "anon"}


@dataclass(frozen=True)
class Api:
    """A client of the served world, each actor's headers, and the values updates write back."""

    client: httpx.Client
    headers: dict[str, dict[str, str]]
    current: dict[str, dict[str, Any]]


def insert_body(table: str, actor: str) -> dict[str, Any]:
    """The JSON twin of the SQL test's `INSERT_SQL` row for `table`."""
    bodies: dict[str, dict[str, Any]] = {
        "profiles": {"id": USERS["stranger"], "username": "newcomer", "display_name": "Newcomer"},
        "campaigns": {"name": "New", "target_language": "fr"},
        "campaign_members": {"campaign_id": C1, "user_id": USERS["stranger"]},
        "campaign_invitations": {
            "campaign_id": C1,
            "code_hash": "d" * 64,
            "expires_at": datetime.now(UTC) + timedelta(hours=1),
        },
        "characters": {"campaign_id": C1, "name": "Newbie"},
        "items": {"name": "Quill", "kind": "tool"},
        "character_items": {
            "character_id": ROWS["characters"]["ch_player"]["id"],
            "item_id": ROWS["items"]["item_draft"]["id"],
        },
        "dice_rolls": {
            "campaign_id": C1,
            "roller_id": USERS.get(actor),
            "expression": "1d6",
            "total": 3,
            "server_seed_hash": "e" * 64,
            "client_seed": "x",
            "nonce": 9,
        },
    }
    return bodies[table]


def access_token(conn: psycopg.Connection[Any], secret: str, user_id: UUID) -> str:
    """An access token shaped like `auth.issue_session`'s, for a new active session of the user."""
    row = conn.execute(
        "with session as (insert into auth.sessions (user_id) values (%s) returning id)"
        " select session.id, u.email::text, auth.app_metadata(u)"
        " from session, auth.users as u where u.id = %s",
        (user_id, user_id),
    ).fetchone()
    assert row is not None
    session_id, email, app_metadata = row
    now = int(time.time())
    claims: dict[str, Any] = {
        "aud": "authenticated",
        "exp": now + 3600,
        "iat": now,
        "sub": str(user_id),
        "email": email,
        "phone": "",
        "app_metadata": app_metadata,
        "user_metadata": {},
        "role": "authenticated",
        "aal": "aal1",
        "amr": [{"method": "password", "timestamp": now}],
        "session_id": str(session_id),
        "is_anonymous": False,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def actor_headers(
    conn: psycopg.Connection[Any], settings: StackSettings
) -> dict[str, dict[str, str]]:
    """The `apikey` and `Authorization` headers each caller sends, as supabase-js would."""
    anon_key = settings.anon_key.get_secret_value()
    secret = settings.jwt_secret.get_secret_value()
    headers: dict[str, dict[str, str]] = {"anon, no key": {}}
    for actor in ACTORS:
        token = anon_key if actor == "anon" else access_token(conn, secret, USERS[actor])
        headers[actor] = {"apikey": anon_key, "Authorization": f"Bearer {token}"}
    return headers


def current_values(conn: psycopg.Connection[Any], table: str) -> dict[str, Any]:
    """The value of the table's update column in each labelled row, as JSON would carry it."""
    values: dict[str, Any] = {}
    for label, key in ROWS[table].items():
        condition = " and ".join(f"{column} = %s" for column in key)
        row = conn.execute(
            f"select to_jsonb({UPDATE_COLUMN[table]}) from public.{table} where {condition}",
            list(key.values()),
        ).fetchone()
        assert row is not None, f"{label} is missing from the world"
        values[label] = row[0]
    return values


@pytest.fixture(scope="module")
def api(pg_server: Any, migrated_template: str, stack_settings: StackSettings) -> Iterator[Api]:
    """The labelled world in its own database, served by the REST server as the stack runs it."""
    name = f"rfl_matrix_http_{uuid.uuid4().hex[:12]}"
    with pg_server.janitor(name, template_dbname=migrated_template):
        with psycopg.connect(pg_server.dsn(name), autocommit=True) as conn:
            build_world(conn)
            headers = actor_headers(conn, stack_settings)
            current = {table: current_values(conn, table) for table in ROWS}
        app = create_app(settings_for_stack(stack_settings, name))
        with serve(app) as url, httpx.Client(base_url=url, timeout=30) as client:
            wait_for_schema_cache(url)
            yield Api(client, headers, current)


def label_of(table: str, row: dict[str, Any]) -> str:
    for label, key in ROWS[table].items():
        if all(str(row.get(column)) == str(value) for column, value in key.items()):
            return label
    return f"unlabelled {row}"


def returned_rows(res: httpx.Response, success: int, actor: str) -> list[dict[str, Any]]:
    """The rows of a successful, rolled back response; none after a denial in PostgREST's shape."""
    where = f"{actor}: {res.request.method} {res.request.url} -> {res.status_code} {res.text}"
    if res.status_code == success:
        if res.request.method != "GET":
            assert "tx=rollback" in res.headers.get("preference-applied", ""), where
        return list(res.json()) if res.content else []
    body = res.json()
    # Privileges and policies deny with 42501 (anon 401, signed in 403); a still referenced row
    # cannot be deleted (23503, 409).
    assert isinstance(body, dict) and set(body) == ERROR_KEYS, where
    denial = (401 if CALLERS[actor] == "anon" else 403, "42501")
    assert (res.status_code, body["code"]) in {denial, (409, "23503")}, where
    return []


def visible(api: Api, table: str, actor: str) -> set[str]:
    columns = ",".join(next(iter(ROWS[table].values())))
    res = api.client.get(f"/{table}", params={"select": columns}, headers=api.headers[actor])
    return {label_of(table, row) for row in returned_rows(res, 200, actor)}


def inserted(api: Api, table: str, actor: str) -> set[str]:
    headers = {**api.headers[actor], **WRITE, "Prefer": "return=minimal, tx=rollback"}
    body = orjson.dumps(insert_body(table, actor))
    res = api.client.post(f"/{table}", content=body, headers=headers)
    returned_rows(res, 201, actor)
    return {"new"} if res.status_code == 201 else set()


def changed(api: Api, table: str, operation: str, actor: str) -> set[str]:
    headers = {**api.headers[actor], **WRITE, "Prefer": "return=representation, tx=rollback"}
    labels: set[str] = set()
    for label, key in ROWS[table].items():
        params = {column: f"eq.{value}" for column, value in key.items()}
        if operation == "update":
            body = orjson.dumps({UPDATE_COLUMN[table]: api.current[table][label]})
            res = api.client.patch(f"/{table}", params=params, content=body, headers=headers)
        else:
            res = api.client.delete(f"/{table}", params=params, headers=headers)
        labels |= {label_of(table, row) for row in returned_rows(res, 200, actor)}
    return labels


def outcome(api: Api, table: str, operation: str, actor: str) -> set[str]:
    if operation == "select":
        return visible(api, table, actor)
    if operation == "insert":
        return inserted(api, table, actor)
    return changed(api, table, operation, actor)


@pytest.mark.parametrize(("table", "operation"), CELLS, ids=[f"{t}-{op}" for t, op in CELLS])
def test_access_matrix_over_http(api: Api, table: str, operation: str) -> None:
    """Each actor, with its own JWT, sees and changes over HTTP exactly the rows listed."""
    cell = MATRIX[table, operation]
    expected = {caller: set(cell.get(actor, "").split()) for caller, actor in CALLERS.items()}
    actual = {caller: outcome(api, table, operation, caller) for caller in CALLERS}
    assert actual == expected


def test_replay_leaves_out_only_the_dice_service_path() -> None:
    """Every cell of the matrix is replayed over HTTP but the dice service's own inserts."""
    assert set(MATRIX) - set(CELLS) == {("dice_rolls", "insert (dice service)")}
