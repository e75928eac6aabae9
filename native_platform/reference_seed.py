"""The reference-data seed every environment gets (sql/seeds/reference.sql), safe to re-run.

seed.sql (demo accounts and content) stays local; this one holds only what the product needs to
work: locales, app roles, permissions and their grants. `rfl migrate` loads it after applying the
migrations, in every environment.
"""

from __future__ import annotations

from pathlib import Path

import psycopg

from native_platform.settings import project_root

__all__ = ["REFERENCE_SEED", "load_reference_seed"]

REFERENCE_SEED = project_root() / "sql" / "seeds" / "reference.sql"


def load_reference_seed(dsn: str, path: Path = REFERENCE_SEED) -> None:
    """Insert missing reference rows and correct changed ones, in one transaction."""
    with psycopg.connect(dsn) as conn:
        conn.execute(path.read_bytes())
