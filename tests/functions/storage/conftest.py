"""Fixtures of the storage tests: a campaign world, the service behind an in-process gateway,
and official clients (supabase-py's storage3) acting as each actor.

Actors: `gm` runs `campaign` with `player`; `other` plays in a campaign of their own
(`other_campaign`); `editor` holds content_editor, `admin` holds admin; `anon` has no account.
One database and one server per module; files go to a folder of the module's own.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
import psycopg
import pytest
from psycopg.conninfo import make_conninfo
from pydantic import SecretStr
from starlette.routing import Mount
from supabase import Client, ClientOptions, create_client

from functions.storage.config import S3Settings, StorageSettings
from functions.storage.main import create_app as create_storage_app
from native_platform.gateway import create_app as create_gateway
from native_platform.project_config import parse_project_config
from native_platform.settings import StackSettings
from tests.conftest import PgServer
from tests.helpers.servers import serve

ACTORS = ("gm", "player", "other", "editor", "admin")
GATEWAY_CONFIG = """
[services.storage]
path = "/storage/v1"
entrypoint = "functions.storage.main:create_app"
key_auth = false
"""


@dataclass(frozen=True)
class World:
    url: str
    anon_key: str
    service_key: str
    secret: str = field(repr=False)
    users: dict[str, uuid.UUID]
    campaign: uuid.UUID
    other_campaign: uuid.UUID
    lexeme: uuid.UUID
    draft_lexeme: uuid.UUID
    dsn: str
    root: Path | None
    http: httpx.Client = field(repr=False)

    def token(self, actor: str, **extra: Any) -> str:
        if actor == "anon":
            return self.anon_key
        if actor == "service":
            return self.service_key
        claims = {
            "sub": str(self.users[actor]),
            "role": "authenticated",
            "aud": "authenticated",
            "exp": int(time.time()) + 600,
            **extra,
        }
        return jwt.encode(claims, self.secret, algorithm="HS256")

    def headers(self, actor: str) -> dict[str, str]:
        return {"apikey": self.anon_key, "Authorization": f"Bearer {self.token(actor)}"}

    def client(self, actor: str) -> Client:
        """supabase-py acting as `actor` (anon: the anon key; service: the service key)."""
        options = ClientOptions(
            headers={"Authorization": f"Bearer {self.token(actor)}"}, httpx_client=self.http
        )
        return create_client(self.url, self.anon_key, options=options)

    @property
    def storage_url(self) -> str:
        return f"{self.url}/storage/v1"


def _one(db: psycopg.Connection[Any], query: str, params: tuple[Any, ...]) -> uuid.UUID:
    row = db.execute(query, params).fetchone()
    assert row is not None
    return uuid.UUID(str(row[0]))


def build_world(db: psycopg.Connection[Any]) -> dict[str, Any]:
    users = {}
    for name in ACTORS:
        users[name] = _one(
            db,
            "insert into auth.users (email) values (%s) returning id",
            (f"{name}-{uuid.uuid4().hex[:8]}@storage.test",),
        )
    db.execute("select app_private.set_user_app_roles(%s, '{content_editor}')", (users["editor"],))
    db.execute("select app_private.set_user_app_roles(%s, '{admin}')", (users["admin"],))
    campaigns = {}
    for owner in ("gm", "other"):
        campaigns[owner] = _one(
            db,
            "insert into public.campaigns (owner_id, name, target_language)"
            " values (%s, 'Storage', 'es') returning id",
            (users[owner],),
        )
    db.execute(
        "insert into public.campaign_members (campaign_id, user_id, role)"
        " values (%s, %s, 'player')",
        (campaigns["gm"], users["player"]),
    )
    lexemes = {}
    for label, published in (("lexeme", "now()"), ("draft_lexeme", "null")):
        lexemes[label] = _one(
            db,
            "insert into public.lexemes (learning_language, lemma, part_of_speech, cefr,"
            f" published_at) values ('es', %s, 'noun', 'A1', {published}) returning id",
            (f"palabra-{label}",),
        )
    return {
        "users": users,
        "campaign": campaigns["gm"],
        "other_campaign": campaigns["other"],
        **lexemes,
    }


@pytest.fixture(scope="module")
def storage_db_dsn(pg_server: PgServer, migrated_template: str) -> Iterator[str]:
    name = f"rfl_storage_{uuid.uuid4().hex[:12]}"
    with pg_server.janitor(name, template_dbname=migrated_template):
        yield pg_server.dsn(name)


def storage_settings_for(
    stack: StackSettings, dsn: str, root: Path, s3: S3Settings | None = None, **extra: Any
) -> StorageSettings:
    login = make_conninfo(
        dsn, user="authenticator", password=stack.authenticator_password.get_secret_value()
    )
    return StorageSettings(
        database_url=SecretStr(login),
        jwt_secret=stack.jwt_secret,
        backend="s3" if s3 else "file",
        file_root=root,
        s3=s3,
        **extra,
    )


@contextmanager
def served_world(stack: StackSettings, dsn: str, settings: StorageSettings) -> Iterator[World]:
    """The storage service behind the gateway (mounted as config.toml's block would), with the
    world arranged in the database at `dsn`."""
    with psycopg.connect(dsn, autocommit=True) as db:
        arranged = build_world(db)
    mount = Mount("/storage/v1", create_storage_app(settings))
    gateway = create_gateway(stack, mounts=[mount], config=parse_project_config(GATEWAY_CONFIG))
    with serve(gateway) as url, httpx.Client(timeout=30) as http:
        yield World(
            http=http,
            url=url,
            anon_key=stack.anon_key.get_secret_value(),
            service_key=stack.service_role_key.get_secret_value(),
            secret=stack.jwt_secret.get_secret_value(),
            dsn=dsn,
            root=settings.file_root if settings.backend == "file" else None,
            **arranged,
        )


@pytest.fixture(scope="module")
def world(
    stack_settings: StackSettings, storage_db_dsn: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """The file backend in a folder of the module's own."""
    root = tmp_path_factory.mktemp("storage")
    settings = storage_settings_for(stack_settings, storage_db_dsn, root)
    with served_world(stack_settings, storage_db_dsn, settings) as served:
        yield served


def stored_files(root: Path) -> list[Path]:
    """Every version file under the backend root (temporaries included)."""
    return sorted(path for path in root.rglob("*") if path.is_file())


def row_count(world: World, bucket: str) -> int:
    with psycopg.connect(world.dsn, autocommit=True) as db:
        row = db.execute(
            "select count(*) from storage.objects where bucket_id = %s", (bucket,)
        ).fetchone()
    assert row is not None
    return int(row[0])


PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 200
MP3 = b"ID3\x03\x00" + b"\0" * 200


def put(world: World, actor: str, bucket: str, path: str, body: bytes, mime: str) -> None:
    """Upload through storage3 as `actor` (raises StorageApiError when refused)."""
    options = {"content-type": mime, "upsert": "true"}
    world.client(actor).storage.from_(bucket).upload(path, body, options)  # type: ignore[arg-type]
