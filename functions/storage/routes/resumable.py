"""`/upload/resumable`: TUS 1.0.0 (creation, creation-with-upload, termination, expiration) as
Supabase serves it; `/upload/resumable/sign` the same with a signed upload URL's token in
`x-signature` instead of a bearer. Errors are plain text with their status (errors.py)."""

from __future__ import annotations

from datetime import UTC
from email.utils import format_datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from functions.storage.db import SERVICE
from functions.storage.deps import CallerDep, SettingsDep, SignerDep
from functions.storage.errors import StorageError
from functions.storage.resumable import (
    CHUNK_TYPE,
    TUS_EXTENSIONS,
    TUS_VERSION,
    Resumable,
    Upload,
    decode_upload_id,
    parse_metadata,
    tus_error,
    until_disconnect,
)
from functions.storage.routes.objects import upsert_header
from functions.storage.signing import SignedToken, UrlSigner
from native_platform.caller import CallerContext

__all__ = ["router"]

router = APIRouter(prefix="/upload/resumable", tags=["resumable uploads"])


def get_resumable(request: Request) -> Resumable:
    resumable = request.app.state.resumable
    assert isinstance(resumable, Resumable)
    return resumable


def _headers(upload: Upload | None = None, offset: int | None = None) -> dict[str, str]:
    headers = {"Tus-Resumable": TUS_VERSION, "Cache-Control": "no-store"}
    if upload is not None:
        headers["Upload-Expires"] = format_datetime(upload.expires_at.astimezone(UTC), usegmt=True)
        headers["Upload-Offset"] = str(upload.offset if offset is None else offset)
    return headers


def _check_version(request: Request) -> None:
    if request.headers.get("tus-resumable") != TUS_VERSION:
        raise StorageError(
            "InvalidRequest",
            412,
            "Unsupported TUS version",
            "InvalidRequest",
            412,
            {"Tus-Version": TUS_VERSION},
        )


def _int_header(request: Request, name: str) -> int:
    value = (request.headers.get(name) or "").strip()
    if not value.isdigit():
        raise tus_error(400, f"{name} must be a non-negative integer")
    return int(value)


def _has_body(request: Request) -> bool:
    length = request.headers.get("content-length")
    chunked = "chunked" in (request.headers.get("transfer-encoding") or "").lower()
    return chunked or (length is not None and length.strip() not in ("", "0"))


def _check_chunk_type(request: Request) -> None:
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != CHUNK_TYPE:
        raise tus_error(415, f"Content-Type must be {CHUNK_TYPE}", "InvalidMimeType")


def _signed(signer: UrlSigner, request: Request, bucket: str, key: str) -> SignedToken:
    return signer.verify(request.headers.get("x-signature"), f"{bucket}/{key}", "upload")


@router.options("")
@router.options("/{rest:path}")
async def discover(settings: SettingsDep) -> Response:
    headers = _headers() | {
        "Tus-Version": TUS_VERSION,
        "Tus-Extension": TUS_EXTENSIONS,
        "Tus-Max-Size": str(settings.file_size_limit),
    }
    return Response(status_code=204, headers=headers)


async def _create(
    request: Request,
    caller: CallerContext,
    *,
    signer: UrlSigner | None,
) -> Response:
    _check_version(request)
    if request.headers.get("upload-defer-length"):
        raise tus_error(400, "Upload-Defer-Length is not supported")
    length = _int_header(request, "upload-length")
    metadata = parse_metadata(request.headers.get("upload-metadata"))
    resumable = get_resumable(request)
    if signer is not None:
        signed = _signed(
            signer, request, metadata.get("bucketName", ""), metadata.get("objectName", "")
        )
        upload = await resumable.create(
            SERVICE, length, metadata, upsert=signed.upsert, signed_owner=signed.owner, signed=True
        )
    else:
        upload = await resumable.create(
            caller, length, metadata, upsert=upsert_header(request.headers.get("x-upsert"))
        )
    offset = 0
    if length == 0:
        await resumable.finish_empty(caller, upload)
    elif _has_body(request):
        _check_chunk_type(request)
        offset = await resumable.receive(caller, upload, 0, until_disconnect(request))
    # The creation URL as the client called it (the gateway's mount path included).
    here = str(request.url.replace(query="", fragment="")).rstrip("/")
    headers = _headers(upload, offset) | {"Location": f"{here}/{upload.upload_id}"}
    return Response(status_code=201, headers=headers)


async def _patch(
    request: Request, upload_id: str, caller: CallerContext, signer: UrlSigner | None
) -> Response:
    _check_version(request)
    _check_chunk_type(request)
    offset = _int_header(request, "upload-offset")
    resumable = get_resumable(request)
    upload = await _find(request, resumable, upload_id, caller, signer)
    reached = await resumable.receive(caller, upload, offset, until_disconnect(request))
    headers = _headers(upload, reached)
    if reached == upload.length:
        headers["Tus-Complete"] = "1"
    return Response(status_code=204, headers=headers)


async def _find(
    request: Request,
    resumable: Resumable,
    upload_id: str,
    caller: CallerContext,
    signer: UrlSigner | None,
) -> Upload:
    if signer is None:
        return await resumable.find(caller, upload_id)
    bucket, key, _ = decode_upload_id(upload_id)
    signed = _signed(signer, request, bucket, key)
    return await resumable.find(SERVICE, upload_id, signed=True, signed_owner=signed.owner)


async def _head(
    request: Request, upload_id: str, caller: CallerContext, signer: UrlSigner | None
) -> Response:
    _check_version(request)
    upload = await _find(request, get_resumable(request), upload_id, caller, signer)
    headers = _headers(upload) | {"Upload-Length": str(upload.length)}
    return Response(status_code=200, headers=headers)


async def _delete(
    request: Request, upload_id: str, caller: CallerContext, signer: UrlSigner | None
) -> Response:
    _check_version(request)
    resumable = get_resumable(request)
    upload = await _find(request, resumable, upload_id, caller, signer)
    await resumable.terminate(upload)
    return Response(status_code=204, headers=_headers())


# Signed routes first: `/sign/<id>` must not be read as an upload id.


@router.post("/sign")
async def create_signed(request: Request, signer: SignerDep) -> Response:
    return await _create(request, SERVICE, signer=signer)


@router.patch("/sign/{upload_id}")
async def patch_signed(request: Request, upload_id: str, signer: SignerDep) -> Response:
    return await _patch(request, upload_id, SERVICE, signer)


@router.head("/sign/{upload_id}")
async def head_signed(request: Request, upload_id: str, signer: SignerDep) -> Response:
    return await _head(request, upload_id, SERVICE, signer)


@router.delete("/sign/{upload_id}")
async def delete_signed(request: Request, upload_id: str, signer: SignerDep) -> Response:
    return await _delete(request, upload_id, SERVICE, signer)


@router.post("")
async def create(request: Request, caller: CallerDep) -> Response:
    return await _create(request, caller, signer=None)


@router.patch("/{upload_id}")
async def patch(request: Request, upload_id: str, caller: CallerDep) -> Response:
    return await _patch(request, upload_id, caller, None)


@router.head("/{upload_id}")
async def head(request: Request, upload_id: str, caller: CallerDep) -> Response:
    return await _head(request, upload_id, caller, None)


@router.delete("/{upload_id}")
async def delete(request: Request, upload_id: str, caller: CallerDep) -> Response:
    return await _delete(request, upload_id, caller, None)
