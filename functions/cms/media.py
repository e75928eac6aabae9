"""Strapi `media.*` webhook events: the pronunciation audio an editor uploads to Strapi is
stored in the `lexeme-audio` bucket at `cms/<hash><ext>`, replaced on `media.update` and
removed on `media.delete`.

The file is streamed from Strapi's URL straight into the storage service's upload API
(`/storage/v1/object/…`, `x-upsert`) with the service key, so the storage service alone writes
files: its size limits, MIME checks, consistency and backends apply as to any upload. Which
lexeme plays it is the lexeme's business: its `audio_path` names the file (the Strapi URL's
last segment), and the bucket's policy lets whoever may read such a lexeme read the file.

Each media file (documentId, or id for Strapi v4) keeps its last applied event in
`app_private.cms_media` (ordering time, payload hash, object), locked while the event is
applied: a redelivery is a `duplicate`, an older event `stale`; media no bucket takes
(images, documents) are `ignored`.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote, urljoin, urlsplit

import httpx
import orjson
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from pydantic_settings import SettingsConfigDict

from functions.cms.errors import IngestError
from functions.common.config import FunctionSettings, settings_dependency
from functions.common.db import Conn
from functions.common.errors import ApiError, validation_details
from native_platform.settings import StackSettings

__all__ = [
    "MEDIA_EVENTS",
    "MediaOutcome",
    "MediaPublic",
    "MediaSettings",
    "apply_media_event",
    "get_media_settings",
    "parse_media_event",
]

MEDIA_EVENTS = ("media.create", "media.update", "media.delete")
MediaOutcome = Literal["applied", "duplicate", "stale", "ignored"]
# Where each kind of media goes: (bucket, folder). Only audio has a home today.
TARGETS = {"audio": ("lexeme-audio", "cms")}


class MediaSettings(FunctionSettings):
    """Where the storage service is and where Strapi serves its files (`RFL_CMS_*`)."""

    model_config = SettingsConfigDict(env_prefix="RFL_CMS_")

    storage_url: str = Field(description="The storage API, e.g. http://127.0.0.1:54321/storage/v1")
    service_key: Annotated[str, StringConstraints(min_length=20)] = Field(repr=False)
    # Strapi's public URL: relative media URLs (/uploads/…) are fetched from it.
    strapi_url: str | None = None
    # Other origins media may come from (an upload provider's CDN), comma-separated.
    media_origins: str = ""
    fetch_timeout_seconds: float = Field(default=30, gt=0)

    @classmethod
    def stack_defaults(cls, stack: StackSettings) -> dict[str, Any]:
        return super().stack_defaults(stack) | {
            "storage_url": f"{stack.api_url}/storage/v1",
            "service_key": stack.service_role_key.get_secret_value(),
        }

    def origins(self) -> set[str]:
        found = {_origin(item) for item in self.media_origins.split(",") if item.strip()}
        if self.strapi_url:
            found.add(_origin(self.strapi_url))
        return found


get_media_settings = settings_dependency(MediaSettings)


def _origin(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}".lower()


class MediaFile(BaseModel):
    """The `media` of a delivery (Strapi v4 and v5 shapes); unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: int | str
    document_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,100}$")] | None = (
        Field(default=None, alias="documentId")
    )
    hash: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,200}$")]
    ext: Annotated[str, StringConstraints(pattern=r"^(\.[A-Za-z0-9]{1,10})?$")] = ""
    mime: Annotated[str, StringConstraints(pattern=r"^[a-z]+/[A-Za-z0-9.+-]{1,100}$")]
    url: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    updated_at: datetime | None = Field(default=None, alias="updatedAt")

    @property
    def key(self) -> str:
        return self.document_id or str(self.id)

    @property
    def file_name(self) -> str:
        return f"{self.hash}{self.ext.lower()}"


class MediaEvent(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    event: Literal["media.create", "media.update", "media.delete"]
    created_at: datetime = Field(alias="createdAt")
    media: MediaFile

    @property
    def version_at(self) -> datetime:
        """When the state this event describes came to be (a deletion: when it happened)."""
        if self.event == "media.delete":
            return self.created_at
        return self.media.updated_at or self.created_at


class MediaPublic(BaseModel):
    """The outcome of one media delivery; `object` is the stored key, if any."""

    outcome: MediaOutcome
    media: str
    bucket: str | None
    object: str | None


def parse_media_event(raw: dict[str, Any]) -> MediaEvent:
    try:
        return MediaEvent.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise ApiError(
            422,
            "invalid_webhook_payload",
            f"invalid webhook payload: {first['msg']} at {where}",
            validation_details(error),
        ) from None


def target_of(media: MediaFile) -> tuple[str, str] | None:
    """(bucket, key) where this media's file is stored, or None when no bucket takes it."""
    home = TARGETS.get(media.mime.split("/", 1)[0])
    if home is None:
        return None
    bucket, folder = home
    return bucket, f"{folder}/{media.file_name}"


CLAIM = """
insert into app_private.cms_media (media_key, version_at, payload_hash)
values (%s, '-infinity', '') on conflict do nothing
"""
READ = """
select version_at > %s, version_at = %s and payload_hash = %s, bucket_id, object_name
from app_private.cms_media where media_key = %s for update
"""
RECORD = """
update app_private.cms_media
set version_at = %s, payload_hash = %s, bucket_id = %s, object_name = %s, deleted = %s,
    applied_at = now()
where media_key = %s
"""


class StorageClient:
    """The storage service's object API as the service role, over HTTP."""

    def __init__(self, settings: MediaSettings, http: httpx.AsyncClient) -> None:
        self.settings, self.http = settings, http
        key = settings.service_key
        self.headers = {"Authorization": f"Bearer {key}", "apikey": key}

    def _url(self, bucket: str, key: str) -> str:
        return f"{self.settings.storage_url}/object/{quote(bucket)}/{quote(key)}"

    async def put(self, bucket: str, key: str, mime: str, body: AsyncIterator[bytes]) -> None:
        answer = await self.http.post(
            self._url(bucket, key),
            content=body,
            headers={**self.headers, "Content-Type": mime, "x-upsert": "true"},
        )
        if answer.status_code != 200:
            raise IngestError(422, f"the storage service refused the file: {_message(answer)}")

    async def delete(self, bucket: str, key: str) -> None:
        answer = await self.http.delete(self._url(bucket, key), headers=self.headers)
        if answer.status_code == 200 or _status_code(answer) == "404":
            return  # already gone: a deletion is idempotent
        raise IngestError(502, f"the storage service did not delete the file: {_message(answer)}")


def _status_code(answer: httpx.Response) -> str | None:
    try:
        body = answer.json()
    except ValueError:
        return None
    return str(body.get("statusCode")) if isinstance(body, dict) else None


def _message(answer: httpx.Response) -> str:
    try:
        body = answer.json()
    except ValueError:
        return f"status {answer.status_code}"
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    return f"status {answer.status_code}"


def source_url(settings: MediaSettings, url: str) -> str:
    """The absolute URL to fetch: relative URLs resolve against Strapi's; absolute ones must
    come from Strapi or a configured media origin (the webhook cannot make us fetch anything
    else)."""
    parts = urlsplit(url)
    if not parts.scheme:
        if not settings.strapi_url or not url.startswith("/"):
            raise IngestError(422, "a relative media URL needs RFL_CMS_STRAPI_URL")
        return urljoin(settings.strapi_url, url)
    if parts.scheme not in ("http", "https") or _origin(url) not in settings.origins():
        raise IngestError(422, "the media URL is not on Strapi or a configured media origin")
    return url


def payload_hash(event: MediaEvent) -> str:
    body = orjson.dumps(event.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(body).hexdigest()


async def _store(
    storage: StorageClient, http: httpx.AsyncClient, url: str, target: tuple[str, str], mime: str
) -> None:
    try:
        async with http.stream("GET", url) as fetched:
            if fetched.status_code != 200:
                raise IngestError(422, f"the media URL answered {fetched.status_code}")
            await storage.put(*target, mime, fetched.aiter_bytes())
    except httpx.HTTPError as error:
        # Strapi unreachable, or the storage service answered (e.g. 413) and closed the
        # connection before the whole body was sent.
        raise IngestError(422, f"the file could not be stored: {type(error).__name__}") from None


async def apply_media_event(
    conn: Conn, event: MediaEvent, settings: MediaSettings, http: httpx.AsyncClient
) -> MediaPublic:
    """Apply `event` unless a same-or-newer state was applied; the row stays locked meanwhile,
    so concurrent deliveries of one media file apply one after the other."""
    media = event.media
    target = target_of(media)
    storage = StorageClient(settings, http)
    digest = payload_hash(event)
    async with conn.transaction():
        await conn.execute(CLAIM, (media.key,))
        version = event.version_at
        cursor = await conn.execute(READ, (version, version, digest, media.key))
        stored = await cursor.fetchone()
        assert stored is not None
        newer, same, old_bucket, old_object = stored
        if newer:
            return MediaPublic(outcome="stale", media=media.key, bucket=None, object=None)
        if same:
            return MediaPublic(
                outcome="duplicate", media=media.key, bucket=old_bucket, object=old_object
            )
        if event.event == "media.delete":
            if old_bucket and old_object:
                await storage.delete(old_bucket, old_object)
            if target is not None and (target[0], target[1]) != (old_bucket, old_object):
                await storage.delete(*target)
            await conn.execute(RECORD, (version, digest, None, None, True, media.key))
            return MediaPublic(outcome="applied", media=media.key, bucket=None, object=None)
        if target is None:
            if old_bucket and old_object:
                await storage.delete(old_bucket, old_object)  # replaced by a file we don't keep
            await conn.execute(RECORD, (version, digest, None, None, False, media.key))
            return MediaPublic(outcome="ignored", media=media.key, bucket=None, object=None)
        await _store(storage, http, source_url(settings, media.url), target, media.mime)
        if old_bucket and old_object and (old_bucket, old_object) != target:
            await storage.delete(old_bucket, old_object)  # the file was replaced
        await conn.execute(RECORD, (version, digest, *target, False, media.key))
        return MediaPublic(outcome="applied", media=media.key, bucket=target[0], object=target[1])
