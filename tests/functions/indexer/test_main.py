"""The indexer's command line: drain, reindex and verify against a test database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from functions.cms.bulk_import import ImportReport
from functions.common.config import FunctionsConfig

ROOT = Path(__file__).resolve().parents[3]


def indexer(config: FunctionsConfig, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "RFL_FUNCTIONS_DATABASE_URL": config.database_url.get_secret_value(),
        "RFL_FUNCTIONS_COLLECTION_PREFIX": config.collection_prefix,
    }
    return subprocess.run(
        [sys.executable, "-m", "functions.indexer", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_main_drain_reindex_verify(functions_config: FunctionsConfig, sample: ImportReport) -> None:
    """verify fails before indexing, and passes after drain and after a reindex."""
    assert sample.errors == []
    assert indexer(functions_config, "verify", "lexeme").returncode == 1
    assert indexer(functions_config, "drain").returncode == 0
    assert indexer(functions_config, "reindex", "deck").returncode == 0
    verified = indexer(functions_config, "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "deck: 0 missing, 0 unexpected, 0 different" in verified.stdout


def test_main_rejects_unknown_kind(functions_config: FunctionsConfig) -> None:
    """An unknown kind exits 2 and says which."""
    done = indexer(functions_config, "reindex", "spells")
    assert done.returncode == 2
    assert "spells" in done.stderr
