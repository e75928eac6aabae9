"""Throwaway databases: created for a block (empty or from a template), dropped after it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

from native_platform.database import configure_secrets
from native_platform.migrations import apply_migrations
from native_platform.settings import StackSettings

__all__ = ["migrated_database", "scratch_database"]


@contextmanager
def scratch_database(admin_dsn: str, dbname: str, template: str | None = None) -> Iterator[str]:
    """Create `dbname` through `admin_dsn` for the block, then drop it; yield its name."""
    name = sql.Identifier(dbname)
    source = sql.Identifier(template or "template0")
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        # FILE_COPY copies a small template several times faster than the default WAL_LOG.
        conn.execute(
            sql.SQL("create database {} template {} strategy file_copy").format(name, source)
        )
    try:
        yield dbname
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("drop database if exists {} with (force)").format(name))


@contextmanager
def migrated_database(settings: StackSettings, dbname: str) -> Iterator[str]:
    """A scratch database with every migration and the runtime secrets; yield its superuser DSN."""
    server = settings.database_url.get_secret_value().rsplit("/", 1)[0]
    with scratch_database(f"{server}/postgres", dbname):
        dsn = f"{server}/{dbname}"
        apply_migrations(dsn)
        with psycopg.connect(dsn, autocommit=True) as conn:
            configure_secrets(conn, settings)
        yield dsn
