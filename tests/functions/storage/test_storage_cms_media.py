"""Strapi `media.*` webhook events over real HTTP: the CMS webhook fetches the file from a
real local HTTP server standing in for Strapi's `/uploads`, stores it through the storage
service (behind the gateway) in `lexeme-audio/cms/<hash><ext>`, replaces it on update and
removes it on delete; redeliveries and late deliveries change nothing; bad payloads get the
webhook's error shape and leave nothing behind."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.conninfo import make_conninfo
from pydantic import SecretStr

from functions.cms.main import create_app as create_cms_app
from functions.cms.media import MediaSettings
from functions.common.config import FunctionsConfig
from native_platform.settings import StackSettings
from tests.functions.storage.conftest import World, row_count
from tests.helpers.servers import serve

MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 8
OGG = b"OggS\x00\x02" + bytes(range(200))
PORTS = range(26300, 26400)  # this area's own port range


def bound_server(root: Path) -> ThreadingHTTPServer:
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(root))
    for port in PORTS:
        try:
            return ThreadingHTTPServer(("127.0.0.1", port), handler)
        except OSError:
            continue
    raise RuntimeError("no free port in 26300-26399")


@contextmanager
def strapi_files(root: Path) -> Iterator[str]:
    """A plain HTTP file server over `root` (Strapi's public folder: `/uploads/<file>`)."""
    server = bound_server(root)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class Strapi:
    def __init__(self, webhook: httpx.Client, uploads: Path, url: str) -> None:
        self.webhook, self.uploads, self.url = webhook, uploads, url

    def publish(self, name: str, body: bytes) -> None:
        (self.uploads / name).write_bytes(body)

    def send(self, event: str, at: str, **media: Any) -> httpx.Response:
        return self.webhook.post("/webhook", json=payload(event, at, **media))


def payload(event: str, at: str, **media: Any) -> dict[str, Any]:
    file = {
        "id": 7,
        "documentId": "md-perro",
        "name": "perro.mp3",
        "hash": "perro_3f2a1b",
        "ext": ".mp3",
        "mime": "audio/mpeg",
        "size": 2.1,
        "url": "/uploads/perro_3f2a1b.mp3",
        "provider": "local",
        "provider_metadata": None,
        "createdAt": "2026-12-01T10:00:00.000Z",
        "updatedAt": at,
        "related": [],
        **media,
    }
    return {"event": event, "createdAt": at, "media": file}


@pytest.fixture(scope="module")
def strapi(
    world: World, stack_settings: StackSettings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Strapi]:
    public = tmp_path_factory.mktemp("strapi-public")
    uploads = public / "uploads"
    uploads.mkdir()
    login = make_conninfo(
        world.dsn,
        user="authenticator",
        password=stack_settings.authenticator_password.get_secret_value(),
    )
    config = FunctionsConfig(
        database_url=SecretStr(login),
        typesense_url=stack_settings.typesense_url,
        typesense_api_key=stack_settings.typesense_api_key,
        jwt_secret=stack_settings.jwt_secret,
        cms_webhook_secret=stack_settings.cms_webhook_secret,
    )
    secret = stack_settings.cms_webhook_secret.get_secret_value()
    with strapi_files(public) as files_url:
        media = MediaSettings(
            database_url=SecretStr(login),
            jwt_secret=stack_settings.jwt_secret,
            storage_url=world.storage_url,
            service_key=world.service_key,
            strapi_url=files_url,
        )
        with (
            serve(create_cms_app(config, media)) as url,
            httpx.Client(
                base_url=url, headers={"Authorization": f"Bearer {secret}"}, timeout=30
            ) as client,
        ):
            yield Strapi(client, uploads, files_url)


def stored(world: World, key: str) -> bytes | None:
    answer = world.http.get(
        f"{world.storage_url}/object/authenticated/lexeme-audio/{key}",
        headers=world.headers("service"),
    )
    return answer.content if answer.status_code == 200 else None


def media_row(world: World, key: str) -> tuple[Any, ...] | None:
    with psycopg.connect(world.dsn, autocommit=True) as db:
        return db.execute(
            "select object_name, deleted from app_private.cms_media where media_key = %s",
            (key,),
        ).fetchone()


def test_media_lifecycle_create_redeliver_update_delete(world: World, strapi: Strapi) -> None:
    """Create stores the file; a redelivery is a duplicate; a replaced file moves the object
    (the old one goes); an older event is stale; delete removes it and a late create after
    the delete does not bring it back."""
    strapi.publish("perro_3f2a1b.mp3", MP3)
    created = strapi.send("media.create", "2026-12-01T10:00:00.000Z")
    assert created.status_code == 200, created.text
    assert created.json() == {
        "outcome": "applied",
        "media": "md-perro",
        "bucket": "lexeme-audio",
        "object": "cms/perro_3f2a1b.mp3",
    }
    assert stored(world, "cms/perro_3f2a1b.mp3") == MP3
    again = strapi.send("media.create", "2026-12-01T10:00:00.000Z")
    assert again.json()["outcome"] == "duplicate"

    strapi.publish("perro_99aa00.ogg", OGG)
    replaced = strapi.send(
        "media.update",
        "2026-12-01T11:00:00.000Z",
        hash="perro_99aa00",
        ext=".ogg",
        mime="audio/ogg",
        url=f"{strapi.url}/uploads/perro_99aa00.ogg",
    )
    assert replaced.json()["object"] == "cms/perro_99aa00.ogg", replaced.text
    assert stored(world, "cms/perro_99aa00.ogg") == OGG
    assert stored(world, "cms/perro_3f2a1b.mp3") is None
    late = strapi.send("media.update", "2026-12-01T10:30:00.000Z")
    assert late.json()["outcome"] == "stale"
    assert stored(world, "cms/perro_3f2a1b.mp3") is None

    deleted = strapi.send("media.delete", "2026-12-01T12:00:00.000Z", hash="perro_99aa00")
    assert deleted.json()["outcome"] == "applied"
    assert stored(world, "cms/perro_99aa00.ogg") is None
    assert strapi.send("media.delete", "2026-12-01T12:00:00.000Z").json()["outcome"] in (
        "duplicate",
        "applied",
    )
    resurrect = strapi.send("media.create", "2026-12-01T11:30:00.000Z")
    assert resurrect.json()["outcome"] == "stale"
    assert media_row(world, "md-perro") == (None, True)
    assert row_count(world, "lexeme-audio") == 0


def test_lexeme_readers_read_the_audio_drafts_keep_it_hidden(world: World, strapi: Strapi) -> None:
    """The audio is readable by whoever may read a lexeme naming it (its `audio_path`'s last
    segment): anon for a published lexeme, nobody but editors for a draft's."""
    strapi.publish("gato_1.mp3", MP3)
    strapi.publish("borrador_1.mp3", MP3)
    for doc, name in (("md-gato", "gato_1"), ("md-borrador", "borrador_1")):
        answer = strapi.send(
            "media.create",
            "2026-12-02T10:00:00.000Z",
            id=doc,
            documentId=doc,
            hash=name,
            url=f"/uploads/{name}.mp3",
        )
        assert answer.json()["outcome"] == "applied", answer.text
    with psycopg.connect(world.dsn, autocommit=True) as db:
        db.execute(
            "update public.lexemes set audio_path = '/uploads/gato_1.mp3' where id = %s",
            (world.lexeme,),
        )
        db.execute(
            "update public.lexemes set audio_path = %s where id = %s",
            (f"{strapi.url}/uploads/borrador_1.mp3", world.draft_lexeme),
        )
    url = f"{world.storage_url}/object/lexeme-audio/cms"
    anon = {"apikey": world.anon_key}
    assert world.http.get(f"{url}/gato_1.mp3", headers=anon).content == MP3
    assert world.http.get(f"{url}/borrador_1.mp3", headers=anon).status_code == 400
    player = world.headers("player")
    assert world.http.get(f"{url}/borrador_1.mp3", headers=player).status_code == 400
    editor = world.headers("editor")
    assert world.http.get(f"{url}/borrador_1.mp3", headers=editor).content == MP3
    for doc in ("md-gato", "md-borrador"):
        strapi.send("media.delete", "2026-12-02T11:00:00.000Z", id=doc, documentId=doc)


def test_audio_replaced_by_an_image_is_removed(world: World, strapi: Strapi) -> None:
    """A media file whose replacement is no longer audio leaves the bucket."""
    strapi.publish("sonido_1.mp3", MP3)
    media = {"id": 9, "documentId": "md-swap", "hash": "sonido_1", "url": "/uploads/sonido_1.mp3"}
    first = strapi.send("media.create", "2026-12-03T09:00:00.000Z", **media)
    assert first.json()["object"] == "cms/sonido_1.mp3", first.text
    swapped = strapi.send(
        "media.update",
        "2026-12-03T09:30:00.000Z",
        **{**media, "hash": "imagen_1", "ext": ".png", "mime": "image/png"},
    )
    assert swapped.json()["outcome"] == "ignored"
    assert stored(world, "cms/sonido_1.mp3") is None


def test_media_no_bucket_takes_is_ignored(strapi: Strapi) -> None:
    answer = strapi.send(
        "media.create",
        "2026-12-03T10:00:00.000Z",
        id=8,
        documentId="md-image",
        hash="portada_1",
        ext=".png",
        mime="image/png",
        url="/uploads/portada_1.png",
    )
    assert answer.status_code == 200
    assert answer.json() == {
        "outcome": "ignored",
        "media": "md-image",
        "bucket": None,
        "object": None,
    }


@pytest.mark.parametrize(
    ("media", "status", "code"),
    [
        ({"hash": None}, 422, "invalid_webhook_payload"),
        ({"hash": "../../etc/passwd"}, 422, "invalid_webhook_payload"),
        ({"ext": ".mp3/../x"}, 422, "invalid_webhook_payload"),
        ({"mime": "audio"}, 422, "invalid_webhook_payload"),
        ({"url": "http://169.254.169.254/latest/meta-data"}, 422, "content_rejected"),
        ({"url": "file:///etc/passwd"}, 422, "content_rejected"),
        ({"url": "uploads/relative.mp3"}, 422, "content_rejected"),
        ({"url": "/uploads/missing.mp3", "hash": "missing"}, 422, "content_rejected"),
        ({"url": "/uploads/lying.mp3", "hash": "lying"}, 422, "content_rejected"),
        ({"url": "/uploads/huge.mp3", "hash": "huge"}, 422, "content_rejected"),
        ({"url": "http://127.0.0.1:9/uploads/x.mp3"}, 422, "content_rejected"),
    ],
)
def test_bad_media_payloads_get_the_webhook_error_shape_and_store_nothing(
    world: World, strapi: Strapi, media: dict[str, Any], status: int, code: str
) -> None:
    strapi.publish("lying.mp3", b"<html>not audio at all</html>" * 4)
    strapi.publish("huge.mp3", MP3 + bytes(6 * 1024 * 1024))  # lexeme-audio allows 5 MiB
    before = row_count(world, "lexeme-audio")
    answer = strapi.send("media.create", "2026-12-04T10:00:00.000Z", documentId="md-bad", **media)
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["code"] == code
    assert set(body) == {"code", "message", "details", "hint"}
    assert row_count(world, "lexeme-audio") == before
    assert media_row(world, "md-bad") is None


def test_media_events_need_the_webhook_secret(strapi: Strapi) -> None:
    answer = strapi.webhook.post(
        "/webhook",
        json=payload("media.delete", "2026-12-05T10:00:00.000Z"),
        headers={"Authorization": "Bearer wrong-secret-000000"},
    )
    assert answer.status_code == 401
    assert answer.json()["code"] == "invalid_webhook_secret"
