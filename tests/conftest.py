"""Shared fixtures: the test stack's settings and fresh databases cloned from a migrated template.

`make test` brings up a dedicated test stack (its own env file, ports and data folder) and points
`RFL_ENV_FILE` at it, so tests never touch a developer's database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager as ContextManager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from native_platform.scratch import migrated_database, scratch_database
from native_platform.settings import StackSettings, env_file_path, load_settings


@dataclass(frozen=True)
class PgServer:
    """The test cluster, reached as its superuser."""

    host: str
    port: int
    password: str

    def dsn(self, dbname: str, user: str = "postgres", password: str | None = None) -> str:
        secret = self.password if password is None else password
        return f"postgresql://{user}:{secret}@{self.host}:{self.port}/{dbname}"

    def janitor(self, dbname: str, template_dbname: str | None = None) -> ContextManager[str]:
        """A database named `dbname` (empty, or a copy of a template) for a `with` block."""
        return scratch_database(self.dsn("postgres"), dbname, template_dbname)


@pytest.fixture(scope="session")
def stack_settings() -> StackSettings:
    if "RFL_ENV_FILE" not in os.environ:
        pytest.exit("RFL_ENV_FILE is not set: run the tests with `make test`", returncode=2)
    return load_settings()


@pytest.fixture(scope="session")
def stack_settings_file(stack_settings: StackSettings) -> Path:
    """The env file of the test stack (validated by `stack_settings` first)."""
    assert stack_settings.state_dir.exists()
    return env_file_path()


@pytest.fixture(scope="session")
def pg_server(stack_settings: StackSettings) -> PgServer:
    return PgServer(
        "127.0.0.1",
        stack_settings.postgres_port,
        stack_settings.postgres_password.get_secret_value(),
    )


@pytest.fixture(scope="session")
def migrated_template(stack_settings: StackSettings) -> Iterator[str]:
    """A database with every migration applied, used as the template of each test database."""
    with migrated_database(stack_settings, f"rfl_template_{os.getpid()}") as dsn:
        yield dsn.rsplit("/", 1)[1]


@pytest.fixture
def db_dsn(pg_server: PgServer, migrated_template: str) -> Iterator[str]:
    """Superuser connection string of a fresh, fully migrated database for this test alone."""
    name = f"rfl_test_{uuid.uuid4().hex[:12]}"
    with pg_server.janitor(name, template_dbname=migrated_template):
        yield pg_server.dsn(name)


@pytest.fixture
def empty_db_dsn(pg_server: PgServer) -> Iterator[str]:
    """Superuser connection string of a fresh database with no migration applied."""
    name = f"rfl_empty_{uuid.uuid4().hex[:12]}"
    with pg_server.janitor(name):
        yield pg_server.dsn(name)


@pytest.fixture
def db(db_dsn: str) -> Iterator[psycopg.Connection]:
    """An autocommit superuser connection to this test's fresh database."""
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        yield conn
