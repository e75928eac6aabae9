"""POST / (and /webhook): Strapi's webhook deliveries, authenticated by a shared secret.

Each delivery is applied in one service-role transaction from the app's async pool
(`functions.common.db`), rerun after a deadlock with a concurrent delivery.
"""

from __future__ import annotations

import hmac
from typing import Annotated

import httpx
import orjson
from fastapi import APIRouter, Depends, Header, Request
from pydantic import BaseModel, ValidationError

from functions.cms.ingest import Outcome, apply_event, parse_fields
from functions.cms.media import (
    MEDIA_EVENTS,
    MediaPublic,
    MediaSettings,
    apply_media_event,
    get_media_settings,
    parse_media_event,
)
from functions.cms.models import StrapiEvent
from functions.cms.modules import MODULE_MODELS, ModulePublic, receive_module
from functions.common.db import SERVICE, retry_as_caller
from functions.common.deps import ConfigDep, PoolDep
from functions.common.errors import ApiError, validation_details
from native_platform.digits import is_ascii_digits

__all__ = ["router"]

router = APIRouter()


class IngestPublic(BaseModel):
    """The outcome of one delivery: applied, or why it changed nothing."""

    outcome: Outcome
    model: str
    document_id: str
    locale: str


def check_secret(authorization: str | None, secret: str) -> None:
    token = (authorization or "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(token.encode(), secret.encode()):
        raise ApiError(
            401,
            "invalid_webhook_secret",
            "missing or wrong webhook secret",
            None,
            None,
            {"WWW-Authenticate": "Bearer"},
        )


def too_large(limit: int) -> ApiError:
    return ApiError(
        413, "payload_too_large", f"payload larger than {limit} bytes", {"limit": limit}
    )


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "0")
    if not is_ascii_digits(declared) or int(declared) > limit:
        raise too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise too_large(limit)
    return bytes(body)


def parse_json(body: bytes) -> object:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise ApiError(400, "invalid_json", "body is not JSON") from None


def parse_event(raw: object) -> StrapiEvent:
    try:
        return StrapiEvent.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise ApiError(
            422,
            "invalid_webhook_payload",
            f"invalid webhook payload: {first['msg']} at {where}",
            validation_details(error),
        ) from None


MediaSettingsDep = Annotated[MediaSettings, Depends(get_media_settings)]


async def receive_media(
    pool: PoolDep, settings: MediaSettings, raw: dict[str, object]
) -> MediaPublic:
    """A `media.*` event: the file stored in (or removed from) its bucket (functions.cms.media)."""
    event = parse_media_event(raw)
    timeout = httpx.Timeout(settings.fetch_timeout_seconds)
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as http:
        result: MediaPublic = await retry_as_caller(
            pool, SERVICE, lambda conn: apply_media_event(conn, event, settings, http)
        )
    return result


@router.post("/", response_model=IngestPublic | MediaPublic | ModulePublic)
@router.post("/webhook", response_model=IngestPublic | MediaPublic | ModulePublic)
async def receive(
    request: Request,
    config: ConfigDep,
    pool: PoolDep,
    media_settings: MediaSettingsDep,
    authorization: Annotated[str | None, Header()] = None,
) -> IngestPublic | MediaPublic | ModulePublic:
    """Apply one Strapi event; replays and out-of-order deliveries change nothing."""
    check_secret(authorization, config.cms_webhook_secret.get_secret_value())
    raw = parse_json(await read_body(request, config.max_webhook_bytes))
    if isinstance(raw, dict) and raw.get("event") in MEDIA_EVENTS:
        return await receive_media(pool, media_settings, raw)
    if isinstance(raw, dict) and raw.get("model") in MODULE_MODELS:
        return await receive_module(config, raw)
    event = parse_event(raw)
    fields = parse_fields(event)
    outcome: Outcome = await retry_as_caller(
        pool, SERVICE, lambda conn: apply_event(conn, event, fields)
    )
    return IngestPublic(
        outcome=outcome, model=event.model, document_id=event.entry.key, locale=event.entry.locale
    )
