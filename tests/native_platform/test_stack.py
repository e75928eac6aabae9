"""The stack command is idempotent: running it again changes nothing."""

from __future__ import annotations

from pathlib import Path

import psycopg

from native_platform.settings import StackSettings
from native_platform.stack import Stack


def counts(database_url: str) -> tuple[int, int]:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "select (select count(*) from supabase_migrations.schema_migrations),"
            " (select count(*) from supabase_migrations.seeds)"
        ).fetchone()
    assert row is not None
    return row[0], row[1]


def test_up_again_changes_nothing(stack_settings: StackSettings, stack_settings_file: Path) -> None:
    """A second `up` applies no migration, loads no seed again and restarts no service."""
    stack = Stack(stack_settings, stack_settings_file)
    database_url = stack_settings.database_url.get_secret_value()
    before = (counts(database_url), stack.api.pid(), stack.typesense.pid())
    assert stack.up() == []
    after = (counts(database_url), stack.api.pid(), stack.typesense.pid())
    assert after == before
    assert all(component.state == "running" for component in stack.status())
