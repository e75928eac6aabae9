"""The migration runner: applies once, detects tampering, and dry-runs without a trace."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from native_platform.migrations import MigrationTampered, apply_migrations, discover_migrations


def write_migration(folder: Path, version: str, body: str) -> Path:
    path = folder / f"{version}_create_thing.sql"
    path.write_text(body)
    return path


def test_apply_migrations_applies_each_once(empty_db_dsn: str, tmp_path: Path) -> None:
    """A second run applies nothing."""
    write_migration(tmp_path, "20990101000000", "create table thing (id int);")
    assert apply_migrations(empty_db_dsn, folder=tmp_path) == ["20990101000000"]
    assert apply_migrations(empty_db_dsn, folder=tmp_path) == []


def test_apply_migrations_refuses_edited_file(empty_db_dsn: str, tmp_path: Path) -> None:
    """Editing an applied migration stops the runner before anything new is applied."""
    path = write_migration(tmp_path, "20990101000000", "create table thing (id int);")
    apply_migrations(empty_db_dsn, folder=tmp_path)
    path.write_text("create table thing (id bigint);")
    write_migration(tmp_path, "20990102000000", "create table other (id int);")
    with pytest.raises(MigrationTampered, match="20990101000000"):
        apply_migrations(empty_db_dsn, folder=tmp_path)
    with psycopg.connect(empty_db_dsn) as conn:
        assert conn.execute("select to_regclass('other')").fetchone() == (None,)


def test_apply_migrations_dry_run_leaves_no_trace(empty_db_dsn: str, tmp_path: Path) -> None:
    """A dry run reports the pending versions and rolls everything back."""
    write_migration(tmp_path, "20990101000000", "create table thing (id int);")
    assert apply_migrations(empty_db_dsn, dry_run=True, folder=tmp_path) == ["20990101000000"]
    with psycopg.connect(empty_db_dsn) as conn:
        traces = conn.execute(
            "select to_regclass('thing'), to_regclass('supabase_migrations.schema_migrations')"
        ).fetchone()
    assert traces == (None, None)


def test_discover_migrations_lists_project_files_in_order() -> None:
    """Project migrations are named <timestamp>_<snake_name>.sql and sorted by version."""
    versions = [migration.version for migration in discover_migrations()]
    assert versions
    assert versions == sorted(versions)
