"""Seeds per environment: the reference seed (locales, app roles, permissions) is idempotent,
agrees with what the migrations insert, and repairs missing or changed reference rows."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg

from native_platform.reference_seed import load_reference_seed

RFL = str(Path(sys.executable).parent / "rfl")
TABLES = {
    "public.locales": "code",
    "app_private.app_roles": "name",
    "app_private.permissions": "name",
    "app_private.role_permissions": "role, permission",
}
Snapshot = dict[str, list[tuple[object, ...]]]


def snapshot(dsn: str, with_versions: bool = False) -> Snapshot:
    """Every reference row, in key order; with each row's xmin when asked (changed by any write)."""
    version = "xmin::text, " if with_versions else ""
    with psycopg.connect(dsn) as conn:
        return {
            table: conn.execute(f"select {version}t.* from {table} t order by {key}").fetchall()
            for table, key in TABLES.items()
        }


def test_reference_seed_agrees_with_the_migrations(db_dsn: str) -> None:
    """On a freshly migrated database the seed finds every row in place and writes none."""
    before = snapshot(db_dsn, with_versions=True)
    assert all(before.values())
    load_reference_seed(db_dsn)
    assert snapshot(db_dsn, with_versions=True) == before


def test_reference_seed_holds_every_reference_row(db_dsn: str) -> None:
    """From empty tables the seed rebuilds exactly what the migrations inserted: a migration
    that adds a locale, role or permission without adding it to the seed fails here."""
    expected = snapshot(db_dsn)
    with psycopg.connect(db_dsn) as conn:
        for table in reversed(TABLES):
            conn.execute(f"delete from {table}")
    assert not any(snapshot(db_dsn).values())
    load_reference_seed(db_dsn)
    assert snapshot(db_dsn) == expected


def test_reference_seed_twice_gives_the_same_state(db_dsn: str) -> None:
    """Run twice after damage: the first run repairs, the second writes nothing."""
    expected = snapshot(db_dsn)
    with psycopg.connect(db_dsn) as conn:
        conn.execute("delete from app_private.role_permissions where role = 'moderator'")
        conn.execute("delete from app_private.permissions where name = 'storage.manage'")
        conn.execute("update app_private.app_roles set description = 'x' where name = 'player'")
        conn.execute("update public.locales set fallback = null where code = 'pt-BR'")
    load_reference_seed(db_dsn)
    once = snapshot(db_dsn, with_versions=True)
    load_reference_seed(db_dsn)
    assert snapshot(db_dsn, with_versions=True) == once
    assert snapshot(db_dsn) == expected


def test_rfl_migrate_loads_the_reference_seed(db_dsn: str) -> None:
    """`rfl migrate` (what deploy runs) brings missing reference rows back, demo data never."""
    with psycopg.connect(db_dsn) as conn:
        conn.execute("delete from app_private.role_permissions where role = 'content_editor'")
        users = conn.execute("select count(*) from auth.users").fetchone()
    result = subprocess.run(
        [RFL, "migrate", "--database-url", db_dsn],
        capture_output=True,
        text=True,
        check=False,
        env=os.environ,
    )
    assert result.returncode == 0, result.stderr
    with psycopg.connect(db_dsn) as conn:
        granted = conn.execute(
            "select permission from app_private.role_permissions"
            " where role = 'content_editor' order by 1"
        ).fetchall()
        assert conn.execute("select count(*) from auth.users").fetchone() == users
    assert granted == [("content.publish",), ("content.write",)]
