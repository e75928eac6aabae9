"""Bring a database to the project's state: migrations, runtime secrets, seed data."""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path

import psycopg
from psycopg import sql

from native_platform.migrations import apply_migrations
from native_platform.project_config import ProjectConfig, config_dir, load_entrypoint
from native_platform.settings import StackSettings

__all__ = ["configure_secrets", "prepare_database", "recreate_database", "seed_database"]

SEED_TRACKING_DDL = """
create table if not exists supabase_migrations.seeds (
    checksum text primary key,
    applied_at timestamptz not null default now()
);
"""


def rate_limiter_password(settings: StackSettings) -> str:
    """The `rate_limiter` role's password: HMAC-SHA256 of a label keyed by POSTGRES_PASSWORD.

    The role is cluster-wide, while `app_private.secrets` is per database (clones of a template
    carry its row): deriving the value gives every database of the cluster the same password
    without a new setting. The key is the superuser's secret, which no table holds, and HMAC
    does not reveal it; the role can only call rate_limit.try_take anyway.
    """
    key = settings.postgres_password.get_secret_value().encode()
    digest = hmac.new(key, b"rfl rate_limiter password", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def configure_secrets(conn: psycopg.Connection, settings: StackSettings) -> None:
    """Give the login roles their passwords and the private secrets table its values."""
    password = settings.authenticator_password.get_secret_value()
    conn.execute(sql.SQL("alter role authenticator with login password {}").format(password))
    has_limiter = conn.execute("select 1 from pg_roles where rolname = 'rate_limiter'").fetchone()
    if has_limiter:
        limiter_password = rate_limiter_password(settings)
        conn.execute(
            sql.SQL("alter role rate_limiter with login password {}").format(limiter_password)
        )
    has_secrets = conn.execute("select to_regclass('app_private.secrets') is not null").fetchone()
    if has_secrets and has_secrets[0]:
        values = {
            "jwt_secret": settings.jwt_secret.get_secret_value(),
            "jwt_exp": str(settings.jwt_expiry),
        }
        if has_limiter:
            values["rate_limiter_password"] = limiter_password
        for name, value in values.items():
            conn.execute(
                "insert into app_private.secrets (name, value) values (%s, %s)"
                " on conflict (name) do update set value = excluded.value",
                (name, value),
            )


def seed_database(conn: psycopg.Connection, seed_files: list[Path]) -> bool:
    """Load the seed files once per database, in one transaction; return whether they ran now."""
    conn.execute(SEED_TRACKING_DDL.encode())
    if conn.execute("select 1 from supabase_migrations.seeds").fetchone():
        return False
    body = "\n".join(path.read_text() for path in seed_files)
    with conn.transaction():
        conn.execute(body.encode())
        checksum = hashlib.sha256(body.encode()).hexdigest()
        conn.execute("insert into supabase_migrations.seeds (checksum) values (%s)", (checksum,))
    return True


def prepare_database(
    dsn: str, settings: StackSettings, config: ProjectConfig | None = None
) -> list[str]:
    """Apply migrations, set secrets and, given a config, seed; return the applied versions.

    Seeding loads `seed.sql`, then runs the config's seed steps, once per database.
    """
    applied = apply_migrations(dsn)
    with psycopg.connect(dsn, autocommit=True) as conn:
        configure_secrets(conn, settings)
        seeded_now = (
            config is not None
            and config.db.seed.enabled
            and seed_database(conn, seed_paths(config))
        )
    if seeded_now:
        assert config is not None
        run_seed_steps(config, settings.authenticator_url(dsn.rsplit("/", 1)[1]))
    return applied


def seed_paths(config: ProjectConfig) -> list[Path]:
    """`[db.seed] sql_paths`, relative to the config file's folder (as the Supabase CLI reads)."""
    return [(config_dir() / path).resolve() for path in config.db.seed.sql_paths]


def run_seed_steps(config: ProjectConfig, api_login_dsn: str) -> None:
    """Each `[seed_steps.<name>]` entrypoint, called with the database's API login DSN."""
    for name, step in config.enabled_seed_steps().items():
        load_entrypoint(f"seed_steps.{name}", step.entrypoint)(api_login_dsn)


def recreate_database(admin_dsn: str, dbname: str) -> None:
    """Drop `dbname` (disconnecting its sessions) and create it empty."""
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        name = sql.Identifier(dbname)
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(name))
        conn.execute(sql.SQL("create database {}").format(name))
