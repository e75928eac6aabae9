"""Run the content pgTAP suites (sql/tests/content_*.test.sql) with pg_prove on a fresh database."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest

from native_platform.settings import project_root

SUITES = sorted((project_root() / "sql" / "tests").glob("content_*.test.sql"))


@pytest.mark.parametrize("suite", SUITES, ids=[path.name for path in SUITES])
def test_pgtap_suite_passes(suite: Path, db_dsn: str) -> None:
    """Every assertion of the pgTAP suite passes against all migrations."""
    pg_prove = shutil.which("pg_prove")
    assert pg_prove, "pg_prove (postgresql-15-pgtap) is not installed"
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute("create extension if not exists pgtap with schema extensions")
    result = subprocess.run(
        [pg_prove, "--verbose", "--dbname", db_dsn, str(suite)],
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
