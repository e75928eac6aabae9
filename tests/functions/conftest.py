"""Fixtures of the content functions' tests: per-test configuration, collections and content."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import jwt
import psycopg
import pytest
from psycopg.conninfo import make_conninfo
from pydantic import SecretStr

from functions.cms.bulk_import import ImportReport, load_sample_content
from functions.common.config import FunctionsConfig
from functions.common.db import connect_service
from functions.common.typesense_client import collection_of, typesense_session
from functions.indexer.outbox import drain_once
from native_platform.settings import StackSettings
from tests.conftest import PgServer


def drop_prefixed(client: Any, prefix: str) -> None:
    """Remove the aliases, collections and keys a test created under its prefix."""
    for alias in client.aliases.retrieve()["aliases"]:
        if alias["name"].startswith(prefix):
            client.aliases[alias["name"]].delete()
    for collection in client.collections.retrieve():
        if collection["name"].startswith(prefix):
            collection_of(client, collection["name"]).delete()
    for key in client.keys.retrieve()["keys"]:
        if key.get("description", "").endswith(tuple(f"{prefix}{k}s" for k in KIND_NAMES)):
            client.keys[key["id"]].delete()


KIND_NAMES = ("lexeme", "deck", "lesson", "campaign")


@contextmanager
def unique_prefix(settings: StackSettings) -> Iterator[str]:
    prefix = f"t{uuid.uuid4().hex[:10]}_"
    yield prefix
    with typesense_session(config_for(settings, "postgresql://unused", prefix)) as client:
        drop_prefixed(client, prefix)


@pytest.fixture
def collection_prefix(stack_settings: StackSettings) -> Iterator[str]:
    """A collection-name prefix no other test uses; everything under it is dropped afterwards."""
    with unique_prefix(stack_settings) as prefix:
        yield prefix


@pytest.fixture(scope="module")
def module_dsn(pg_server: PgServer, migrated_template: str) -> Iterator[str]:
    """Superuser DSN of a module-wide fresh database, for tests that only read or reject.

    Cloning a database per test costs seconds on a busy machine; read-only tests share one.
    """
    name = f"rfl_content_{uuid.uuid4().hex[:12]}"
    with pg_server.janitor(name, template_dbname=migrated_template):
        yield pg_server.dsn(name)


@pytest.fixture(scope="module")
def module_config(stack_settings: StackSettings, module_dsn: str) -> Iterator[FunctionsConfig]:
    """The functions' configuration for the module's database and its own collection prefix."""
    with unique_prefix(stack_settings) as prefix:
        yield config_for(stack_settings, module_dsn, prefix)


@pytest.fixture(scope="module")
def indexed_config(module_config: FunctionsConfig) -> FunctionsConfig:
    """The module's database with the sample loaded and indexed under its prefix."""
    assert load_sample_content(module_config.database_url.get_secret_value()).errors == []
    with typesense_session(module_config) as client, connect_service(module_config) as conn:
        while drain_once(conn, client, module_config.collection_prefix).entries:
            pass
    return module_config


def config_for(settings: StackSettings, dsn: str, prefix: str) -> FunctionsConfig:
    """The functions' configuration for a test database, logging in as the API role."""
    login = make_conninfo(
        dsn, user="authenticator", password=settings.authenticator_password.get_secret_value()
    )
    return FunctionsConfig(
        database_url=SecretStr(login),
        typesense_url=settings.typesense_url,
        typesense_api_key=settings.typesense_api_key,
        jwt_secret=settings.jwt_secret,
        cms_webhook_secret=settings.cms_webhook_secret,
        collection_prefix=prefix,
    )


@pytest.fixture
def functions_config(
    stack_settings: StackSettings, db_dsn: str, collection_prefix: str
) -> FunctionsConfig:
    """The functions' configuration for this test's database and collections."""
    return config_for(stack_settings, db_dsn, collection_prefix)


@pytest.fixture
def typesense(functions_config: FunctionsConfig) -> Iterator[Any]:
    with typesense_session(functions_config) as client:
        yield client


@pytest.fixture
def sample(db_dsn: str) -> ImportReport:
    """The shipped sample export, loaded into this test's database."""
    report = load_sample_content(db_dsn)
    assert report.errors == []
    return report


def token_for(settings: StackSettings, role: str, user_id: uuid.UUID | None = None) -> str:
    claims: dict[str, Any] = {"role": role, "exp": int(time.time()) + 600, "iss": "supabase"}
    if user_id is not None:
        claims |= {"sub": str(user_id), "aud": "authenticated"}
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")


def create_user(db: psycopg.Connection, roles: tuple[str, ...] = ()) -> uuid.UUID:
    row = db.execute(
        "insert into auth.users (email) values (%s) returning id",
        (f"{uuid.uuid4().hex[:12]}@example.test",),
    ).fetchone()
    assert row is not None
    if roles:
        db.execute("select app_private.set_user_app_roles(%s, %s)", (row[0], list(roles)))
    return uuid.UUID(str(row[0]))


RESTRICTED_CAMPAIGN = uuid.UUID("00000000-0000-4000-8000-00000000c0de")


def create_restricted_campaign(db: psycopg.Connection, gm: uuid.UUID) -> uuid.UUID:
    """The campaign the sample's restricted content belongs to, with `gm` as its member."""
    db.execute(
        "insert into public.campaigns (id, owner_id, name, target_language, visibility)"
        " values (%s, %s, 'The hidden library', 'es', 'private')",
        (RESTRICTED_CAMPAIGN, gm),
    )
    db.execute(
        "insert into public.campaign_members (campaign_id, user_id, role) values (%s, %s, 'gm')"
        " on conflict do nothing",
        (RESTRICTED_CAMPAIGN, gm),
    )
    return RESTRICTED_CAMPAIGN
