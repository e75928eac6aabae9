"""The whole access policy of the exposed schema (`matrix.py`), checked actor by actor in SQL.

A denial by privilege, by policy or by trigger all count as "not changed". The realtime column
subscribes every actor to every table of the matrix on a realtime node over the same world and
checks that each receives exactly the changes of the rows its SQL read returns.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack
from typing import Any

import jwt
import psycopg
import pytest
from psycopg import sql
from pydantic import SecretStr
from realtime import AsyncRealtimeClient, RealtimePostgresChangesListenEvent

from native_platform.realtime import RealtimeSettings
from native_platform.settings import StackSettings
from tests.helpers.actors import acting_as
from tests.native_platform.realtime.support import Inbox, Server
from tests.sql.matrix import ACTORS, MATRIX, REALTIME, UPDATE_COLUMN
from tests.sql.world import C1, ROWS, USERS, build_world

UPDATE_SET = {table: f"{column} = {column}" for table, column in UPDATE_COLUMN.items()}

INSERT_SQL = {
    "profiles": "insert into public.profiles (id, username, display_name)"
    " values (%(stranger)s, 'newcomer', 'Newcomer')",
    "campaigns": "insert into public.campaigns (name, target_language) values ('New', 'fr')",
    "campaign_members": "insert into public.campaign_members (campaign_id, user_id)"
    " values (%(c1)s, %(stranger)s)",
    "campaign_invitations": "insert into public.campaign_invitations"
    " (campaign_id, code_hash, expires_at) values (%(c1)s, repeat('d', 64), now() + '1 hour')",
    "characters": "insert into public.characters (campaign_id, name) values (%(c1)s, 'Newbie')",
    "items": "insert into public.items (name, kind) values ('Quill', 'tool')",
    "character_items": "insert into public.character_items (character_id, item_id)"
    " values (%(ch_player)s, %(item_draft)s)",
    "dice_rolls": "insert into public.dice_rolls (campaign_id, roller_id, expression, total,"
    " server_seed_hash, client_seed, nonce)"
    " values (%(c1)s, %(uid)s, '1d6', 3, repeat('e', 64), 'x', 9)",
}


@pytest.fixture(scope="module")
def world(pg_server: Any, migrated_template: str) -> Iterator[psycopg.Connection[Any]]:
    """One database for the module, holding the arranged world; tests roll back their changes."""
    name = "rfl_matrix_" + migrated_template.rsplit("_", 1)[-1]
    with pg_server.janitor(name, template_dbname=migrated_template):
        with psycopg.connect(pg_server.dsn(name), autocommit=True) as conn:
            build_world(conn)
            yield conn


def act(conn: psycopg.Connection[Any], actor: str, **options: Any) -> Any:
    if actor == "anon":
        return acting_as(conn, "anon", rollback=True, **options)
    return acting_as(conn, "authenticated", USERS[actor], rollback=True, **options)


def where_key(key: dict[str, Any]) -> tuple[sql.Composable, list[Any]]:
    condition = sql.SQL(" and ").join(
        sql.SQL("{} = %s").format(sql.Identifier(column)) for column in key
    )
    return condition, list(key.values())


def visible(conn: psycopg.Connection[Any], table: str) -> set[str]:
    labels = set()
    for label, key in ROWS[table].items():
        condition, values = where_key(key)
        query = sql.SQL("select 1 from public.{} where {}").format(sql.Identifier(table), condition)
        try:
            with conn.transaction(force_rollback=True):
                if conn.execute(query, values).fetchone():
                    labels.add(label)
        except psycopg.Error:
            pass
    return labels


def changed(conn: psycopg.Connection[Any], table: str, operation: str) -> set[str]:
    labels = set()
    for label, key in ROWS[table].items():
        condition, values = where_key(key)
        template = (
            "update public.{} set " + UPDATE_SET[table] + " where {}"
            if operation == "update"
            else "delete from public.{} where {}"
        )
        query = sql.SQL(template).format(sql.Identifier(table), condition)
        try:
            with conn.transaction(force_rollback=True):
                if conn.execute(query, values).rowcount == 1:
                    labels.add(label)
        except psycopg.Error:
            pass
    return labels


def inserted(conn: psycopg.Connection[Any], table: str, actor: str) -> set[str]:
    params: dict[str, Any] = {"uid": USERS.get(actor), "c1": C1, **USERS}
    params["ch_player"] = ROWS["characters"]["ch_player"]["id"]
    params["item_draft"] = ROWS["items"]["item_draft"]["id"]
    try:
        with conn.transaction(force_rollback=True):
            if conn.execute(INSERT_SQL[table], params).rowcount == 1:
                return {"new"}
    except psycopg.Error:
        pass
    return set()


def outcome(conn: psycopg.Connection[Any], table: str, operation: str, actor: str) -> set[str]:
    with act(conn, actor, roll_source=operation == "insert (dice service)"):
        if operation == "select":
            return visible(conn, table)
        if operation.startswith("insert"):
            return inserted(conn, table, actor)
        return changed(conn, table, operation)


@pytest.mark.parametrize(
    ("table", "operation"), list(MATRIX), ids=[f"{t}-{op}" for t, op in MATRIX]
)
def test_access_matrix(world: psycopg.Connection[Any], table: str, operation: str) -> None:
    """Each actor sees and changes exactly the rows the matrix lists."""
    expected = {actor: set(MATRIX[table, operation].get(actor, "").split()) for actor in ACTORS}
    actual = {actor: outcome(world, table, operation, actor) for actor in ACTORS}
    assert actual == expected


def test_matrix_covers_every_operation_of_its_tables() -> None:
    """Every table of the matrix is listed for select, insert, update and delete."""
    tables = {table for table, _ in MATRIX}
    operations = ("select", "insert", "update", "delete")
    assert {(t, op) for t in tables for op in operations} <= set(MATRIX)
    assert tables == set(ROWS)


def realtime_token(conn: psycopg.Connection[Any], secret: str, actor: str) -> str:
    """The actor's access token (signed-in actors with a live session), as the auth server
    mints them; anon's carries the anon role only."""
    now = int(time.time())
    claims: dict[str, Any] = {"role": "anon", "iat": now, "exp": now + 3600}
    if actor != "anon":
        row = conn.execute(
            "insert into auth.sessions (user_id) values (%s) returning id", (USERS[actor],)
        ).fetchone()
        assert row is not None
        claims |= {"role": "authenticated", "aud": "authenticated", "sub": str(USERS[actor])}
        claims["session_id"] = str(row[0])
    return jwt.encode(claims, secret, algorithm="HS256")


def label_of(table: str, row: dict[str, Any]) -> str:
    for label, key in ROWS[table].items():
        if all(str(row.get(column)) == str(value) for column, value in key.items()):
            return label
    return f"unlabelled {row}"


async def collect_changes(
    conn: psycopg.Connection[Any], url: str, tokens: dict[str, str]
) -> dict[str, dict[str, set[str]]]:
    """Every actor subscribes to every table at once; every labelled row is updated in one
    transaction; {table: {actor: labels received}}."""
    expected = sum(len(cells.get(a, "").split()) for cells in REALTIME.values() for a in ACTORS)
    inboxes = {actor: Inbox() for actor in ACTORS}
    async with AsyncExitStack() as stack:
        for actor, inbox in inboxes.items():
            client = AsyncRealtimeClient(url, tokens[actor], auto_reconnect=False)
            await client.connect()
            stack.push_async_callback(client.close)
            channel = client.channel(f"matrix-{actor}")
            for table in REALTIME:
                channel.on_postgres_changes(
                    RealtimePostgresChangesListenEvent.Update, inbox, table=table, schema="public"
                )
            joined = Inbox()
            channel.on_system(joined)
            await channel.subscribe()
            await joined.wait_for(1)
        with conn.transaction():
            # Rewrite each row as it is; triggers off (some tables refuse updates by trigger).
            conn.execute("set local session_replication_role = replica")
            for table, column in UPDATE_COLUMN.items():
                conn.execute(
                    sql.SQL("update public.{} set {} = {}").format(
                        sql.Identifier(table), sql.Identifier(column), sql.Identifier(column)
                    )
                )
        deadline = time.monotonic() + 15
        while sum(len(i.items) for i in inboxes.values()) < expected:
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # anything beyond the expected would have arrived by now
    seen: dict[str, dict[str, set[str]]] = {table: {a: set() for a in ACTORS} for table in REALTIME}
    for actor, inbox in inboxes.items():
        for item in inbox.items:
            data = item["data"]
            seen[data["table"]][actor].add(label_of(data["table"], data["record"]))
    return seen


@pytest.fixture(scope="module")
def realtime_seen(
    world: psycopg.Connection[Any], pg_server: Any, stack_settings: StackSettings
) -> Iterator[dict[str, dict[str, set[str]]]]:
    """What a realtime node over the world delivered to each actor, by table."""
    name = world.info.dbname
    world.execute(
        sql.SQL("alter publication supabase_realtime add table {}").format(
            sql.SQL(", ").join(
                sql.Identifier("public", table)
                for table in REALTIME
                if not world.execute(
                    "select 1 from pg_catalog.pg_publication_tables where pubname ="
                    " 'supabase_realtime' and schemaname = 'public' and tablename = %s",
                    (table,),
                ).fetchone()
            )
        )
    )
    secret = stack_settings.jwt_secret.get_secret_value()
    tokens = {actor: realtime_token(world, secret, actor) for actor in ACTORS}
    password = stack_settings.authenticator_password.get_secret_value()
    settings = RealtimeSettings(
        database_url=SecretStr(pg_server.dsn(name, user="authenticator", password=password)),
        replication_database_url=SecretStr(pg_server.dsn(name)),
        jwt_secret=stack_settings.jwt_secret,
        node_sweep_seconds=0.5,
    )
    node = Server(settings).start()
    try:
        yield asyncio.run(collect_changes(world, node.url, tokens))
    finally:
        node.stop()
        # The node's temporary slot goes with its backend, which may outlive the node briefly.
        deadline = time.monotonic() + 10
        while (
            time.monotonic() < deadline
            and world.execute(
                "select 1 from pg_catalog.pg_replication_slots where database = current_database()"
                " and active"
            ).fetchone()
        ):
            time.sleep(0.05)


@pytest.mark.parametrize("table", list(REALTIME))
def test_realtime_matrix(
    world: psycopg.Connection[Any], realtime_seen: dict[str, dict[str, set[str]]], table: str
) -> None:
    """Each actor receives the changes of exactly the rows the matrix lists and its SQL read
    returns, all actors subscribed together (one RLS check serves them all)."""
    expected = {actor: set(REALTIME[table].get(actor, "").split()) for actor in ACTORS}
    answer = {actor: outcome(world, table, "select", actor) for actor in ACTORS}
    assert realtime_seen[table] == expected == answer
