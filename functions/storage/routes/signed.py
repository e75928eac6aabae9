"""Signed URLs: `/object/sign` (download) and `/object/upload/sign` (upload). Signing runs as
the caller (download: the object must be visible; upload: upstream's write probe); using a
signed URL needs no token and acts as the service, within what the signature names."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from functions.storage import store
from functions.storage.db import SERVICE
from functions.storage.deps import (
    BackendDep,
    CallerDep,
    DbDep,
    ObjectsDep,
    SettingsDep,
    SignerDep,
)
from functions.storage.errors import StorageError
from functions.storage.keys import check_key, is_valid_key
from functions.storage.models import SignBody, SignManyBody
from functions.storage.render import Transform
from functions.storage.routes.objects import UpsertHeader, upsert_header
from functions.storage.serving import send_object

__all__ = ["router"]

router = APIRouter(prefix="/object", tags=["signed urls"])

NOT_ACCESSIBLE = "Either the object does not exist or you do not have access to it"


def _path(bucket_id: str, key: str) -> str:
    return f"{quote(bucket_id, safe='')}/{quote(key, safe='/')}"


@router.post("/sign/{bucket_id}/{key:path}")
async def sign(
    bucket_id: str,
    key: str,
    body: SignBody,
    caller: CallerDep,
    objects: ObjectsDep,
    signer: SignerDep,
) -> dict[str, str]:
    await objects.find(caller, bucket_id, key)
    if body.transform is not None:
        transform = Transform.parse(body.transform.model_dump(exclude_none=True))
        token = signer.sign(
            f"{bucket_id}/{key}", "download", body.expiresIn, extra=transform.claims()
        )
        return {"signedURL": f"/render/image/sign/{_path(bucket_id, key)}?token={token}"}
    token = signer.sign(f"{bucket_id}/{key}", "download", body.expiresIn)
    return {"signedURL": f"/object/sign/{_path(bucket_id, key)}?token={token}"}


@router.post("/sign/{bucket_id}")
async def sign_many(
    bucket_id: str, body: SignManyBody, caller: CallerDep, db: DbDep, signer: SignerDep
) -> list[dict[str, Any]]:
    valid = [path for path in body.paths if is_valid_key(path)]
    async with db.acting_as(caller) as conn:
        visible = await store.visible_names(conn, bucket_id, valid) if valid else set()
    answers: list[dict[str, Any]] = []
    for path in body.paths:
        if path in visible:
            token = signer.sign(f"{bucket_id}/{path}", "download", body.expiresIn)
            url = f"/object/sign/{_path(bucket_id, path)}?token={token}"
            answers.append({"error": None, "path": path, "signedURL": url})
        else:
            answers.append({"error": NOT_ACCESSIBLE, "path": path, "signedURL": None})
    return answers


@router.api_route("/sign/{bucket_id}/{key:path}", methods=["GET", "HEAD"])
async def signed_download(
    bucket_id: str,
    key: str,
    request: Request,
    objects: ObjectsDep,
    backend: BackendDep,
    signer: SignerDep,
) -> Response:
    check_key(key)
    signed = signer.verify(request.query_params.get("token"), f"{bucket_id}/{key}", "download")
    if signed.transformations is not None:  # it grants the rendering, not the original
        raise StorageError.invalid_signature()
    found = await objects.find(SERVICE, bucket_id, key)
    response = await send_object(request, backend, found, request.query_params.get("download"))
    response.headers["Expires"] = _http_date(signed.expires_at)
    return response


def _http_date(epoch: int) -> str:
    from email.utils import formatdate

    return formatdate(epoch, usegmt=True)


@router.post("/upload/sign/{bucket_id}/{key:path}")
async def sign_upload(
    bucket_id: str,
    key: str,
    caller: CallerDep,
    objects: ObjectsDep,
    signer: SignerDep,
    settings: SettingsDep,
    x_upsert: UpsertHeader = None,
) -> dict[str, str]:
    upsert = upsert_header(x_upsert)
    sub = caller.claims.get("sub")
    owner = sub if isinstance(sub, str) else None
    await objects.probe_upload(caller, bucket_id, key, upsert, owner)
    token = signer.sign(
        f"{bucket_id}/{key}",
        "upload",
        settings.upload_url_expiry_seconds,
        owner=owner,
        upsert=upsert,
    )
    return {"url": f"/object/upload/sign/{_path(bucket_id, key)}?token={token}", "token": token}


@router.put("/upload/sign/{bucket_id}/{key:path}")
async def signed_upload(
    bucket_id: str, key: str, request: Request, objects: ObjectsDep, signer: SignerDep
) -> dict[str, str]:
    check_key(key)
    signed = signer.verify(request.query_params.get("token"), f"{bucket_id}/{key}", "upload")
    row = await objects.upload(
        SERVICE, bucket_id, key, request, upsert=signed.upsert, owner=signed.owner
    )
    return {"Id": row.id, "Key": f"{bucket_id}/{key}"}
