"""The whole access policy of the exposed schema (`matrix.py`), checked actor by actor in SQL.

A denial by privilege, by policy or by trigger all count as "not changed".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql

from tests.helpers.actors import acting_as
from tests.sql.matrix import ACTORS, MATRIX, UPDATE_COLUMN
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
