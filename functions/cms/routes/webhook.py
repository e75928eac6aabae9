"""POST / (and /webhook): Strapi's webhook deliveries, authenticated by a shared secret.

Each delivery is applied in one service-role transaction from the app's async pool
(`functions.common.db`), rerun after a deadlock with a concurrent delivery.
"""

from __future__ import annotations

import hmac
from typing import Annotated

import orjson
from fastapi import APIRouter, Header, Request
from pydantic import BaseModel, ValidationError

from functions.cms.ingest import Outcome, apply_event, parse_fields
from functions.cms.models import StrapiEvent
from functions.common.db import SERVICE, retry_as_caller
from functions.common.deps import ConfigDep, PoolDep
from functions.common.errors import ApiError, validation_details

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
    if not declared.isdigit() or int(declared) > limit:
        raise too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise too_large(limit)
    return bytes(body)


def parse_event(body: bytes) -> StrapiEvent:
    try:
        return StrapiEvent.model_validate(orjson.loads(body))
    except orjson.JSONDecodeError:
        raise ApiError(400, "invalid_json", "body is not JSON") from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise ApiError(
            422,
            "invalid_webhook_payload",
            f"invalid webhook payload: {first['msg']} at {where}",
            validation_details(error),
        ) from None


@router.post("/", response_model=IngestPublic)
@router.post("/webhook", response_model=IngestPublic)
async def receive(
    request: Request,
    config: ConfigDep,
    pool: PoolDep,
    authorization: Annotated[str | None, Header()] = None,
) -> IngestPublic:
    """Apply one Strapi event; replays and out-of-order deliveries change nothing."""
    check_secret(authorization, config.cms_webhook_secret.get_secret_value())
    event = parse_event(await read_body(request, config.max_webhook_bytes))
    fields = parse_fields(event)
    outcome: Outcome = await retry_as_caller(
        pool, SERVICE, lambda conn: apply_event(conn, event, fields)
    )
    return IngestPublic(
        outcome=outcome, model=event.model, document_id=event.entry.key, locale=event.entry.locale
    )
