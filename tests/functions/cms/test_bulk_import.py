"""Bulk import of a Strapi export, as the seed and the tests use it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg

from functions.cms.bulk_import import ImportReport, load_sample_content


def test_load_sample_content_counts(db: psycopg.Connection, sample: ImportReport) -> None:
    """The sample holds two learning languages, decks, lessons, a draft and a pack version."""
    assert sample.outcomes == {"applied": 159}
    counts = db.execute("""
        select (select count(distinct learning_language) from public.lexemes),
               (select count(*) from public.lexemes),
               (select count(*) from public.lexemes where published_at is null),
               (select count(*) from public.decks),
               (select count(*) from public.lessons),
               (select count(*) from public.content_pack_versions)
    """).fetchone()
    assert counts == (2, 55, 1, 5, 4, 2)


def test_load_sample_content_twice_is_duplicate(db_dsn: str, sample: ImportReport) -> None:
    """Loading the same export again changes nothing."""
    assert sample.errors == []
    again = load_sample_content(db_dsn)
    assert again.outcomes == {"duplicate": 159}
    with psycopg.connect(db_dsn) as conn:
        assert conn.execute("select count(*) from public.content_pack_versions").fetchone() == (2,)


def test_main_rejects_missing_argument() -> None:
    """The command without a file prints its usage and exits 2."""
    done = subprocess.run(
        [sys.executable, "-m", "functions.cms.bulk_import"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
        check=False,
    )
    assert done.returncode == 2
    assert "usage" in done.stderr
