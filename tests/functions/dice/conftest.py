"""Fixtures of the dice service tests: a campaign world, user tokens and the served app.

One database and one server per test module keep the suite fast; each test still gets its own
users and campaign (`world`), so rate-limit buckets and seeds never leak between tests.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import psycopg
import pytest
from pydantic import SecretStr

from functions.dice.config import DiceSettings
from functions.dice.main import create_app
from native_platform.rest import create_app as create_rest_app
from native_platform.rest.settings import RestSettings
from native_platform.settings import StackSettings
from tests.conftest import PgServer
from tests.helpers.servers import serve

NAMES = ("gm", "player", "other", "observer", "stranger")


@dataclass(frozen=True)
class World:
    """Campaign `campaign` run by `gm` with players `player` and `other` and an `observer`;
    `stranger` belongs to no campaign. `character` is the player's (grammar 18, listening 7)."""

    campaign: uuid.UUID
    character: uuid.UUID
    users: dict[str, uuid.UUID]
    sessions: dict[str, uuid.UUID]
    secret: str = field(repr=False)

    def token(self, name: str, **extra: Any) -> str:
        claims = {
            "sub": str(self.users[name]),
            "role": "authenticated",
            "aud": "authenticated",
            "exp": int(time.time()) + 600,
            "session_id": str(self.sessions[name]),
            **extra,
        }
        return jwt.encode(claims, self.secret, algorithm="HS256")

    def headers(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(name)}"}


def _insert_id(db: psycopg.Connection[Any], query: str, params: tuple[Any, ...]) -> uuid.UUID:
    row = db.execute(query, params).fetchone()
    assert row is not None
    return uuid.UUID(str(row[0]))


@pytest.fixture(scope="module")
def dice_db_dsn(pg_server: PgServer, migrated_template: str) -> Iterator[str]:
    """A fresh, fully migrated database shared by the tests of one module."""
    name = f"rfl_dice_{uuid.uuid4().hex[:12]}"
    with pg_server.janitor(name, template_dbname=migrated_template):
        yield pg_server.dsn(name)


@pytest.fixture
def dice_db(dice_db_dsn: str) -> Iterator[psycopg.Connection[Any]]:
    """An autocommit superuser connection to the module's database."""
    with psycopg.connect(dice_db_dsn, autocommit=True) as conn:
        yield conn


@pytest.fixture
def world(dice_db: psycopg.Connection[Any], stack_settings: StackSettings) -> World:
    db = dice_db
    users, sessions = {}, {}
    for name in NAMES:
        email = f"{name}-{uuid.uuid4().hex[:8]}@example.test"
        users[name] = _insert_id(
            db, "insert into auth.users (email) values (%s) returning id", (email,)
        )
        sessions[name] = _insert_id(
            db, "insert into auth.sessions (user_id) values (%s) returning id", (users[name],)
        )
    campaign = _insert_id(
        db,
        "insert into public.campaigns (owner_id, name, target_language) values (%s, 'Dice', 'es')"
        " returning id",
        (users["gm"],),
    )
    for name, role in (("player", "player"), ("other", "player"), ("observer", "observer")):
        db.execute(
            "insert into public.campaign_members (campaign_id, user_id, role) values (%s, %s, %s)",
            (campaign, users[name], role),
        )
    character = _insert_id(
        db,
        "insert into public.characters (campaign_id, owner_id, name, grammar, listening)"
        " values (%s, %s, 'Lola', 18, 7) returning id",
        (campaign, users["player"]),
    )
    return World(campaign, character, users, sessions, stack_settings.jwt_secret.get_secret_value())


@pytest.fixture(scope="module")
def dice_url(stack_settings: StackSettings, dice_db_dsn: str) -> Iterator[str]:
    """The dice service on a free port, on the module's database."""
    settings = DiceSettings(
        database_url=SecretStr(stack_settings.authenticator_url(dice_db_dsn.rsplit("/", 1)[1])),
        jwt_secret=stack_settings.jwt_secret,
    )
    with serve(create_app(settings)) as url:
        yield url


@pytest.fixture(scope="module")
def client(dice_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=dice_url, timeout=30) as http:
        yield http


@pytest.fixture(scope="module")
def rest_url(stack_settings: StackSettings, dice_db_dsn: str) -> Iterator[str]:
    """The REST server (PostgREST-compatible) on the module's database."""
    settings = RestSettings(
        db_uri=SecretStr(stack_settings.authenticator_url(dice_db_dsn.rsplit("/", 1)[1])),
        db_anon_role="anon",
        db_pool=2,
        db_pre_request="app_private.check_request",
        jwt_secret=stack_settings.jwt_secret,
    )
    with serve(create_rest_app(settings)) as url:
        yield url
