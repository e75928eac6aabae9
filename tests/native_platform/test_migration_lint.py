"""Migration safeguards: `rfl migrate --lint` blocks dangerous operations unless a reviewed marker
allows them, and a new migration must sort after every applied one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from native_platform.migration_lint import (
    BASELINE,
    after_baseline,
    lint_migrations,
    migrations_added_since,
)
from native_platform.migrations import (
    MIGRATIONS_DIR,
    MigrationOutOfOrder,
    apply_migrations,
    check_order,
    discover_migrations,
    pending_migrations,
)
from tests.helpers.actors import acting_as

RFL = str(Path(sys.executable).parent / "rfl")
DANGEROUS = """\
-- A table the database already has, changed in ways that lock or break it.
alter table public.campaigns
  add column level int not null;

create index campaigns_level_index on public.campaigns (level);

alter table public.campaigns drop column description;

alter table public.campaigns alter column name type varchar(40);
"""


def write(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(body)
    return path


def rfl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([RFL, *args], capture_output=True, text=True, check=False, env=os.environ)


def test_dangerous_migration_fails_the_lint_naming_rule_and_line(tmp_path: Path) -> None:
    """`rfl migrate --lint` exits non-zero with one line per finding: file, line and rule."""
    path = write(tmp_path, "20991231000000_change_campaigns.sql", DANGEROUS)
    result = rfl("migrate", "--lint", str(path))
    assert result.returncode == 1, result.stdout + result.stderr
    for line, rule in [
        (3, "adding-required-field"),
        (5, "require-concurrent-index-creation"),
        (7, "ban-drop-column"),
        (9, "changing-column-type"),
    ]:
        assert f"20991231000000_change_campaigns.sql:{line}: {rule}:" in result.stderr


def test_reviewed_marker_allows_only_its_rule(tmp_path: Path) -> None:
    """A marker with a reason allows its rules for the statement right below it, nothing else."""
    body = (
        "-- lint: allow ban-drop-column — the expand step stopped every reader in 20990101000000\n"
        "alter table public.campaigns drop column description;\n"
        "\n"
        "alter table public.campaigns drop column name;\n"
    )
    findings = lint_migrations([write(tmp_path, "20991231000000_drop.sql", body)])
    assert [(finding.line, finding.rule) for finding in findings] == [(4, "ban-drop-column")]


def test_marker_without_reason_allows_nothing(tmp_path: Path) -> None:
    body = "-- lint: allow ban-drop-table —\ndrop table public.items;\n"
    findings = lint_migrations([write(tmp_path, "20991231000000_drop.sql", body)])
    assert [finding.rule for finding in findings] == ["ban-drop-table"]


def test_new_table_may_be_built_freely(tmp_path: Path) -> None:
    """A table created in the same migration has no readers: indexes and NOT NULL are fine."""
    body = (
        "create table public.notes (id bigint primary key, body text not null);\n"
        "create index notes_body_index on public.notes (body);\n"
    )
    assert lint_migrations([write(tmp_path, "20991231000000_create_notes.sql", body)]) == []


def test_every_migration_after_the_baseline_passes() -> None:
    """The tree's own new migrations are clean or carry reviewed markers."""
    paths = after_baseline(sorted(MIGRATIONS_DIR.glob("*.sql")))
    assert [str(finding) for finding in lint_migrations(paths)] == []


def test_baseline_is_an_existing_migration() -> None:
    assert BASELINE in {migration.version for migration in discover_migrations()}


def test_new_migration_must_sort_after_every_applied_one(empty_db_dsn: str, tmp_path: Path) -> None:
    """A file dated before the newest applied migration is refused, and nothing is applied."""
    write(tmp_path, "20990102000000_create_thing.sql", "create table thing (id int);")
    apply_migrations(empty_db_dsn, folder=tmp_path)
    write(tmp_path, "20990101000000_create_early.sql", "create table early (id int);")
    pending, applied = pending_migrations(empty_db_dsn, folder=tmp_path)
    assert [migration.version for migration in pending] == ["20990101000000"]
    with pytest.raises(MigrationOutOfOrder, match="20990101000000"):
        check_order(pending, applied)
    result = rfl("migrate", "--database-url", empty_db_dsn)
    # The project's migrations all sort before 20990102000000, applied above.
    assert result.returncode == 2
    assert "sort before the newest applied one (20990102000000)" in result.stderr


# The expand step of docs/development.md's expand/contract example: items.published_at next to
# is_published, kept in step by a trigger so clients of either column keep working.
EDITOR = "00000000-0000-4000-c000-000000000001"
WRITER = "00000000-0000-4000-c000-000000000002"


@pytest.fixture
def item_writers(db: psycopg.Connection) -> psycopg.Connection:
    """A content editor (write and publish) and a writer holding content.write only."""
    db.execute(
        "insert into auth.users (id, email) values (%s, 'editor@expand.test'),"
        " (%s, 'writer@expand.test')",
        (EDITOR, WRITER),
    )
    db.execute("insert into app_private.app_roles values ('writer', 'Writes drafts only.')")
    db.execute("insert into app_private.role_permissions values ('writer', 'content.write')")
    db.execute(
        "insert into app_private.user_roles (user_id, role) values"
        " (%s, 'content_editor'), (%s, 'writer')",
        (EDITOR, WRITER),
    )
    return db


def item(db: psycopg.Connection, name: str) -> tuple[bool, bool]:
    row = db.execute(
        "select is_published, published_at is not null from public.items where name = %s",
        (name,),
    ).fetchone()
    assert row is not None
    return row[0], row[1]


def test_old_and_new_clients_publish_items_alike(item_writers: psycopg.Connection) -> None:
    """A client writing is_published (old) and one writing published_at (new) see the same."""
    db = item_writers
    with acting_as(db, "authenticated", EDITOR) as conn:
        conn.execute(
            "insert into public.items (name, kind, is_published) values ('Old', 'tool', true)"
        )
        conn.execute(
            "insert into public.items (name, kind, published_at) values ('New', 'tool', now())"
        )
        conn.execute("insert into public.items (name, kind) values ('Draft', 'tool')")
    assert [item(db, name) for name in ("Old", "New", "Draft")] == [
        (True, True),
        (True, True),
        (False, False),
    ]
    with acting_as(db, "authenticated", EDITOR) as conn:
        conn.execute("update public.items set published_at = null where name = 'Old'")
        conn.execute("update public.items set is_published = false where name = 'New'")
        conn.execute("update public.items set published_at = now() where name = 'Draft'")
    assert [item(db, name) for name in ("Old", "New", "Draft")] == [
        (False, False),
        (False, False),
        (True, True),
    ]
    with acting_as(db, "anon") as conn:
        visible = conn.execute("select name from public.items order by name").fetchall()
    assert visible == [("Draft",)]


def test_publishing_through_published_at_needs_content_publish(
    item_writers: psycopg.Connection,
) -> None:
    """The policies still read is_published, which the trigger sets before they check."""
    db = item_writers
    with acting_as(db, "authenticated", WRITER) as conn:
        conn.execute("insert into public.items (name, kind) values ('Quill', 'tool')")
    for statement in (
        "insert into public.items (name, kind, published_at) values ('Ink', 'tool', now())",
        "update public.items set published_at = now() where name = 'Quill'",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            with acting_as(db, "authenticated", WRITER) as conn:
                conn.execute(statement)
    assert item(db, "Quill") == (False, False)


def test_files_added_since_a_ref_and_its_newest_version(tmp_path: Path) -> None:
    """CI's view: the files `origin/main` lacks, and the newest version it has."""
    folder = tmp_path / "sql" / "migrations"
    folder.mkdir(parents=True)
    write(folder, "20990102000000_create_thing.sql", "create table thing (id int);\n")
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "main"], check=True)
    write(folder, "20990101000000_create_early.sql", "create table early (id int);\n")
    write(folder, "20990103000000_create_later.sql", "create table later (id int);\n")
    added, newest = migrations_added_since("HEAD", folder, repo=tmp_path)
    assert [path.name[:14] for path in added] == ["20990101000000", "20990103000000"]
    assert newest == "20990102000000"
