"""`/render/image`: an image object transformed (authenticated as the caller under RLS,
public for public buckets, or through a signed URL whose token fixes the transformation)."""

from __future__ import annotations

from datetime import UTC
from email.utils import format_datetime, formatdate

from fastapi import APIRouter, Request
from fastapi.responses import Response

from functions.storage.db import SERVICE
from functions.storage.deps import CallerDep, ObjectsDep, SignerDep
from functions.storage.keys import check_key
from functions.storage.render import RenderCache, Transform
from functions.storage.serving import disposition
from functions.storage.store import ObjectRow

__all__ = ["router"]

router = APIRouter(prefix="/render/image", tags=["image transformations"])


def _cache(request: Request) -> RenderCache:
    cache = request.app.state.render_cache
    assert isinstance(cache, RenderCache)
    return cache


async def _send(request: Request, obj: ObjectRow, transform: Transform) -> Response:
    rendered = await _cache(request).render(obj, transform)
    headers = {
        "Content-Type": rendered.content_type,
        "ETag": rendered.etag,
        "Cache-Control": str(obj.metadata.get("cacheControl") or "no-cache"),
        "X-Transformations": transform.header(),
        "X-Robots-Tag": "none",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Vary": "Accept",
    }
    updated = obj.row.get("updated_at")
    if updated is not None:
        headers["Last-Modified"] = format_datetime(updated.astimezone(UTC), usegmt=True)
    headers |= disposition(request.query_params.get("download"))
    if request.headers.get("if-none-match") == rendered.etag:
        return Response(status_code=304, headers=headers)
    return Response(rendered.data, headers=headers)


def _transform(request: Request) -> Transform:
    return Transform.parse(request.query_params, request.headers.get("accept", ""))


@router.get("/authenticated/{bucket_id}/{key:path}")
async def authenticated(
    bucket_id: str, key: str, request: Request, objects: ObjectsDep, caller: CallerDep
) -> Response:
    transform = _transform(request)
    return await _send(request, await objects.find(caller, bucket_id, key), transform)


@router.get("/public/{bucket_id}/{key:path}")
async def public(bucket_id: str, key: str, request: Request, objects: ObjectsDep) -> Response:
    transform = _transform(request)
    return await _send(request, await objects.find_public(bucket_id, key), transform)


@router.get("/sign/{bucket_id}/{key:path}")
async def signed(
    bucket_id: str, key: str, request: Request, objects: ObjectsDep, signer: SignerDep
) -> Response:
    check_key(key)
    token = signer.verify(request.query_params.get("token"), f"{bucket_id}/{key}", "download")
    # The token fixes the transformation; query parameters cannot change it.
    transform = Transform.from_claims(token.transformations or "", token.format)
    response = await _send(request, await objects.find(SERVICE, bucket_id, key), transform)
    response.headers["Expires"] = formatdate(token.expires_at, usegmt=True)
    return response
