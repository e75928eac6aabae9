"""Apply the ordered SQL migrations once each, guarded by checksums."""

from __future__ import annotations

import hashlib
import re
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import psycopg

from native_platform.settings import project_root

__all__ = [
    "Migration",
    "MigrationError",
    "MigrationOutOfOrder",
    "MigrationTampered",
    "apply_migrations",
    "applied_versions",
    "check_order",
    "discover_migrations",
    "pending_migrations",
]

MIGRATIONS_DIR = project_root() / "sql" / "migrations"
FILE_NAME = re.compile(r"^(?P<version>\d{14})_(?P<name>[a-z0-9_]+)\.sql$")
LOCK_TIMEOUT = "5s"
RUNNER_LOCK_KEY = 7_346_012_551

TRACKING_DDL = """
create schema if not exists supabase_migrations;
create table if not exists supabase_migrations.schema_migrations (
    version text primary key,
    name text not null,
    checksum text not null,
    applied_at timestamptz not null default now()
);
"""


class MigrationError(Exception):
    """A migration could not be applied; nothing of the run was kept."""


class MigrationTampered(MigrationError):
    """An applied migration's file changed or vanished since it was applied."""


class MigrationOutOfOrder(MigrationError):
    """A pending migration sorts before one already applied (`rfl migrate` and CI refuse it)."""


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def discover_migrations(folder: Path = MIGRATIONS_DIR) -> list[Migration]:
    migrations = []
    for path in sorted(folder.glob("*.sql")):
        match = FILE_NAME.match(path.name)
        if match is None:
            raise MigrationError(f"{path.name}: expected <14-digit UTC timestamp>_<snake_name>.sql")
        migrations.append(Migration(match["version"], match["name"], path.read_text()))
    return migrations


def applied_versions(conn: psycopg.Connection) -> dict[str, str]:
    """Version → checksum of every applied migration."""
    rows = conn.execute("select version, checksum from supabase_migrations.schema_migrations")
    return dict(rows.fetchall())


def check_unchanged(migrations: list[Migration], applied: dict[str, str]) -> None:
    on_disk = {migration.version: migration.checksum for migration in migrations}
    edited = [version for version, checksum in applied.items() if on_disk.get(version) != checksum]
    if edited:
        raise MigrationTampered(
            "applied migrations were edited or removed: "
            + ", ".join(sorted(edited))
            + " (add a new migration instead)"
        )


def check_order(pending: list[Migration], applied: dict[str, str] | set[str]) -> None:
    """Refuse pending migrations that sort before the newest applied one."""
    newest = max(applied, default="")
    early = [migration.version for migration in pending if migration.version < newest]
    if early:
        raise MigrationOutOfOrder(
            f"pending migrations sort before the newest applied one ({newest}): "
            + ", ".join(early)
            + " (rename them with a later timestamp)"
        )


def pending_migrations(dsn: str, folder: Path = MIGRATIONS_DIR) -> tuple[list[Migration], set[str]]:
    """The migrations `dsn` has not applied yet, and the versions it has (read only)."""
    migrations = discover_migrations(folder)
    with psycopg.connect(dsn, autocommit=True) as conn:
        tracked = conn.execute(
            "select to_regclass('supabase_migrations.schema_migrations') is not null"
        ).fetchone()
        applied = set(applied_versions(conn)) if tracked and tracked[0] else set()
    return [m for m in migrations if m.version not in applied], applied


def apply_one(conn: psycopg.Connection, migration: Migration) -> None:
    with conn.transaction():
        conn.execute(f"set local lock_timeout = '{LOCK_TIMEOUT}'")
        try:
            conn.execute(migration.sql.encode())
        except psycopg.Error as error:
            raise MigrationError(f"{migration.version}_{migration.name}: {error}") from error
        conn.execute(
            "insert into supabase_migrations.schema_migrations (version, name, checksum)"
            " values (%s, %s, %s)",
            (migration.version, migration.name, migration.checksum),
        )


def apply_migrations(dsn: str, dry_run: bool = False, folder: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply pending migrations and return their versions; a dry run keeps nothing."""
    migrations = discover_migrations(folder)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("select pg_advisory_lock(%s)", (RUNNER_LOCK_KEY,))
        scope = conn.transaction(force_rollback=True) if dry_run else nullcontext()
        with scope:
            conn.execute(TRACKING_DDL.encode())
            applied = applied_versions(conn)
            check_unchanged(migrations, applied)
            pending = [m for m in migrations if m.version not in applied]
            for migration in pending:
                apply_one(conn, migration)
        if pending and not dry_run:
            conn.execute("notify pgrst, 'reload schema'")
        return [migration.version for migration in pending]
