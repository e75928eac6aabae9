"""The whole access policy of the exposed schema, as one table, checked actor by actor.

Each cell lists the labelled rows (see `world.py`) an actor sees (select) or changes
(update, delete, one row at a time), or `new` when its insert of a fresh row succeeds. A denial
by privilege, by policy or by trigger all count as "not changed". `insert (dice service)` marks
the transaction with `app.roll_source` as the dice service does; plain `insert` is what a client
can send through the REST API.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql

from tests.helpers.actors import acting_as
from tests.sql.world import C1, ROWS, USERS, build_world

ACTORS = ("anon", "player", "other", "gm", "observer", "moderator", "admin", "editor")
C1_MEMBERS = "c1:gm c1:player c1:observer"
C2_MEMBERS = "c2:gm2 c2:other"
ALL_PROFILES = "p_gm p_player p_other p_observer p_moderator p_admin p_editor p_gm2"
ALL_CHARACTERS = "ch_player ch_gm ch_other"

# (table, operation) -> {actor: "labels"}; an actor left out gets nothing.
# fmt: off
MATRIX: dict[tuple[str, str], dict[str, str]] = {
    ("profiles", "select"): {
        "player": ALL_PROFILES, "other": ALL_PROFILES, "gm": ALL_PROFILES,
        "observer": ALL_PROFILES, "moderator": ALL_PROFILES, "admin": ALL_PROFILES,
        "editor": ALL_PROFILES,
    },
    ("profiles", "insert"): {},
    ("profiles", "update"): {
        "player": "p_player", "other": "p_other", "gm": "p_gm", "observer": "p_observer",
        "moderator": "p_moderator", "admin": ALL_PROFILES, "editor": "p_editor",
    },
    ("profiles", "delete"): {},
    ("campaigns", "select"): {
        "anon": "c2", "player": "c1 c2", "other": "c2", "gm": "c1 c2", "observer": "c1 c2",
        "moderator": "c1 c2", "admin": "c1 c2", "editor": "c2",
    },
    ("campaigns", "insert"): {
        "player": "new", "other": "new", "gm": "new", "observer": "new", "moderator": "new",
        "admin": "new", "editor": "new",
    },
    ("campaigns", "update"): {"gm": "c1", "moderator": "c1 c2", "admin": "c1 c2"},
    ("campaigns", "delete"): {"gm": "c1", "moderator": "c1 c2", "admin": "c1 c2"},
    ("campaign_members", "select"): {
        "player": C1_MEMBERS, "other": C2_MEMBERS, "gm": C1_MEMBERS, "observer": C1_MEMBERS,
        "moderator": f"{C1_MEMBERS} {C2_MEMBERS}", "admin": f"{C1_MEMBERS} {C2_MEMBERS}",
    },
    ("campaign_members", "insert"): {"gm": "new"},
    ("campaign_members", "update"): {"gm": C1_MEMBERS},
    ("campaign_members", "delete"): {
        "player": "c1:player", "other": "c2:other", "gm": "c1:player c1:observer",
        "observer": "c1:observer",
    },
    ("campaign_invitations", "select"): {"gm": "inv1"},
    ("campaign_invitations", "insert"): {"gm": "new"},
    ("campaign_invitations", "update"): {"gm": "inv1"},
    ("campaign_invitations", "delete"): {"gm": "inv1"},
    ("characters", "select"): {
        "anon": "ch_other", "player": ALL_CHARACTERS, "other": "ch_other", "gm": ALL_CHARACTERS,
        "observer": ALL_CHARACTERS, "moderator": ALL_CHARACTERS, "admin": ALL_CHARACTERS,
        "editor": "ch_other",
    },
    ("characters", "insert"): {"player": "new", "gm": "new"},
    ("characters", "update"): {"player": "ch_player", "other": "ch_other", "gm": "ch_player ch_gm"},
    ("characters", "delete"): {"player": "ch_player", "other": "ch_other", "gm": "ch_player ch_gm"},
    ("items", "select"): {
        "anon": "item_pub", "player": "item_pub", "other": "item_pub", "gm": "item_pub",
        "observer": "item_pub", "moderator": "item_pub", "admin": "item_pub item_draft",
        "editor": "item_pub item_draft",
    },
    ("items", "insert"): {"admin": "new", "editor": "new"},
    ("items", "update"): {"admin": "item_pub item_draft", "editor": "item_pub item_draft"},
    # item_pub is still carried by characters (foreign key restrict).
    ("items", "delete"): {"admin": "item_draft", "editor": "item_draft"},
    ("character_items", "select"): {
        "anon": "ci_other", "player": "ci_player ci_other", "other": "ci_other",
        "gm": "ci_player ci_other", "observer": "ci_player ci_other",
        "moderator": "ci_player ci_other", "admin": "ci_player ci_other", "editor": "ci_other",
    },
    ("character_items", "insert"): {"gm": "new"},
    ("character_items", "update"): {"player": "ci_player", "other": "ci_other", "gm": "ci_player"},
    ("character_items", "delete"): {"gm": "ci_player"},
    ("dice_rolls", "select"): {
        "anon": "r_c2", "player": "r_pub r_gm r_priv r_c2", "other": "r_c2 r_c2_priv",
        "gm": "r_pub r_gm r_priv r_gm_priv r_c2", "observer": "r_pub r_c2",
        "moderator": "r_pub r_c2", "admin": "r_pub r_c2", "editor": "r_c2",
    },
    ("dice_rolls", "insert"): {},
    ("dice_rolls", "insert (dice service)"): {"player": "new", "gm": "new"},
    ("dice_rolls", "update"): {},
    ("dice_rolls", "delete"): {},
}
# fmt: on

UPDATE_SET = {
    "profiles": "display_name = display_name",
    "campaigns": "name = name",
    "campaign_members": "role = role",
    "campaign_invitations": "revoked_at = revoked_at",
    "characters": "name = name",
    "items": "name = name",
    "character_items": "equipped = equipped",
    "dice_rolls": "total = total",
}

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
