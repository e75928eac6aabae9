"""Bring a database to the project's state: migrations, runtime secrets, seed data."""

from __future__ import annotations

import hashlib
from pathlib import Path

import psycopg
from psycopg import sql

from functions.cms.bulk_import import load_sample_content
from native_platform.migrations import apply_migrations
from native_platform.settings import StackSettings, project_root

__all__ = ["configure_secrets", "prepare_database", "recreate_database", "seed_database"]

SEED_FILE = project_root() / "seed.sql"

SEED_TRACKING_DDL = """
create table if not exists supabase_migrations.seeds (
    checksum text primary key,
    applied_at timestamptz not null default now()
);
"""


def configure_secrets(conn: psycopg.Connection, settings: StackSettings) -> None:
    """Give the API login role its password and the auth schema its signing secret."""
    password = settings.authenticator_password.get_secret_value()
    conn.execute(sql.SQL("alter role authenticator with login password {}").format(password))
    has_secrets = conn.execute("select to_regclass('app_private.secrets') is not null").fetchone()
    if has_secrets and has_secrets[0]:
        values = {
            "jwt_secret": settings.jwt_secret.get_secret_value(),
            "jwt_exp": str(settings.jwt_expiry),
        }
        for name, value in values.items():
            conn.execute(
                "insert into app_private.secrets (name, value) values (%s, %s)"
                " on conflict (name) do update set value = excluded.value",
                (name, value),
            )


def seed_database(conn: psycopg.Connection, seed_file: Path = SEED_FILE) -> bool:
    """Load seed.sql once per database; return whether it ran now."""
    conn.execute(SEED_TRACKING_DDL.encode())
    if conn.execute("select 1 from supabase_migrations.seeds").fetchone():
        return False
    body = seed_file.read_text()
    with conn.transaction():
        conn.execute(body.encode())
        checksum = hashlib.sha256(body.encode()).hexdigest()
        conn.execute("insert into supabase_migrations.seeds (checksum) values (%s)", (checksum,))
    return True


def prepare_database(dsn: str, settings: StackSettings, seed: bool = True) -> list[str]:
    """Apply migrations, set secrets and (optionally) seed; return the applied versions.

    Seeding loads `seed.sql` and the sample learning content, once per database.
    """
    applied = apply_migrations(dsn)
    with psycopg.connect(dsn, autocommit=True) as conn:
        configure_secrets(conn, settings)
        seeded_now = seed and seed_database(conn)
    if seeded_now:
        load_sample_content(settings.authenticator_url(dsn.rsplit("/", 1)[1]))
    return applied


def recreate_database(admin_dsn: str, dbname: str) -> None:
    """Drop `dbname` (disconnecting its sessions) and create it empty."""
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        name = sql.Identifier(dbname)
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(name))
        conn.execute(sql.SQL("create database {}").format(name))
