"""The way back from a production migration: `rfl migrate --backup-first` takes a backup right
before migrating and names its label; restoring to that label undoes whatever came after.
On a throwaway durable cluster of its own, as the backup drill (the shared one is never touched)."""

from __future__ import annotations

import re

import psycopg
import pytest

from native_platform import backup
from tests.native_platform.test_backup_drill import (  # noqa: F401 (drill, state_dir: fixtures)
    Drill,
    counts,
    drill,
    state_dir,
    write_game_data,
)


@pytest.fixture
def cluster(request: pytest.FixtureRequest) -> Drill:
    """The backup drill's own durable cluster (its `drill` fixture, imported above)."""
    own: Drill = request.getfixturevalue("drill")
    return own


def test_restore_to_the_label_taken_before_migrating(cluster: Drill) -> None:
    write_game_data(cluster.dsn, "before", 2)
    before = counts(cluster.dsn)
    migrated = cluster.rfl("migrate", "--backup-first")
    assert migrated.returncode == 0, migrated.stderr
    found = re.search(
        r"backup (\S+) taken; the way back: rfl restore --to-label (\S+)", migrated.stdout
    )
    assert found is not None and found[1] == found[2], migrated.stdout
    # What a bad migration might do after the backup: drop a table; and new rows came in.
    write_game_data(cluster.dsn, "after", 1)
    with psycopg.connect(cluster.dsn, autocommit=True) as conn:
        conn.execute("drop table public.characters cascade")
    cluster.cluster.stop()

    backup.restore_cluster(cluster.target(), backup.RestorePoint(label=found[1]))
    assert counts(cluster.dsn) == before
