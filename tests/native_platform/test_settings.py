"""A missing or malformed setting stops the program with one clear line per variable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from native_platform.settings import SettingsError, load_settings


def rfl_status(env_file: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "native_platform", "status"],
        env={"RFL_ENV_FILE": str(env_file), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )


def test_cli_names_a_malformed_setting(tmp_path: Path, stack_settings_file: Path) -> None:
    """A too-short JWT secret: exit 2 and one line naming JWT_SECRET and the expectation."""
    lines = [
        line
        for line in stack_settings_file.read_text().splitlines()
        if not line.startswith("JWT_SECRET=")
    ]
    env_file = tmp_path / ".env"
    env_file.write_text("\n".join([*lines, "JWT_SECRET=short"]) + "\n")
    result = rfl_status(env_file)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "rfl: setting JWT_SECRET is invalid: expected at least 32 characters"
    ]


def test_cli_names_a_missing_setting(tmp_path: Path, stack_settings_file: Path) -> None:
    """A missing DATABASE_URL is named as missing."""
    lines = [
        line
        for line in stack_settings_file.read_text().splitlines()
        if not line.startswith("DATABASE_URL=")
    ]
    env_file = tmp_path / ".env"
    env_file.write_text("\n".join(lines) + "\n")
    result = rfl_status(env_file)
    assert result.returncode == 2
    assert "setting DATABASE_URL is missing" in result.stderr


def test_load_settings_rejects_a_non_postgres_url(
    tmp_path: Path, stack_settings_file: Path
) -> None:
    """DATABASE_URL must be a postgresql:// connection string."""
    lines = [
        line
        for line in stack_settings_file.read_text().splitlines()
        if not line.startswith("DATABASE_URL=")
    ]
    env_file = tmp_path / ".env"
    env_file.write_text("\n".join([*lines, "DATABASE_URL=mysql://x@y/z"]) + "\n")
    with pytest.raises(SettingsError, match="DATABASE_URL is invalid.*postgresql://"):
        load_settings(env_file)
