"""`/object`: upload, update, download, info, list, move, copy and remove objects, each as the
caller (RLS decides), and `/object/public/…` for public buckets."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Header, Request
from fastapi.responses import Response

from functions.storage import store
from functions.storage.deps import (
    BackendDep,
    CallerDep,
    DbDep,
    ObjectsDep,
    OptionalCallerDep,
)
from functions.storage.errors import StorageError
from functions.storage.keys import check_key
from functions.storage.models import CopyBody, ListBody, ListV2Body, MoveBody, RemoveBody
from functions.storage.serving import send_object

__all__ = ["router", "upsert_header"]

router = APIRouter(prefix="/object", tags=["objects"])

UpsertHeader = Annotated[str | None, Header(alias="x-upsert")]


def upsert_header(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


def _download(request: Request) -> str | None:
    return request.query_params.get("download")


def _info(obj: store.ObjectRow) -> dict[str, Any]:
    row, meta = obj.row, obj.metadata
    return {
        "id": obj.id,
        "name": row["name"],
        "version": row["version"],
        "bucket_id": row["bucket_id"],
        "size": meta.get("size"),
        "content_type": meta.get("mimetype"),
        "cache_control": meta.get("cacheControl"),
        "etag": meta.get("eTag"),
        "metadata": row["user_metadata"],
        "last_modified": store.iso(row["updated_at"]),
        "created_at": store.iso(row["created_at"]),
    }


@router.post("/list/{bucket_id}")
async def list_objects(
    bucket_id: str, body: ListBody, db: DbDep, caller: CallerDep
) -> list[dict[str, Any]]:
    prefix = body.prefix.lstrip("/")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    sort = body.sortBy
    async with db.acting_as(caller) as conn:
        if not await store.bucket_exists(conn, bucket_id):
            raise StorageError.no_such_bucket()
        return await store.list_children(
            conn,
            bucket_id,
            prefix,
            search=body.search,
            limit=body.limit,
            offset=body.offset,
            column=sort.column if sort else "name",
            order=sort.order.lower() if sort else "asc",
        )


def _cursor(page_after: dict[str, Any], column: str, order: str) -> str:
    raw = orjson.dumps({**page_after, "c": column, "o": order})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(cursor: str | None, column: str, order: str) -> tuple[str, str | None] | None:
    """The (name, sort value) a cursor resumes after; it must come from the same ordering."""
    if not cursor:
        return None
    try:
        value = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        name, after = value["k"], value.get("v")
        if value["c"] != column or value["o"] != order or not isinstance(name, str):
            raise ValueError(cursor)
        return name, None if after is None else str(after)
    except (ValueError, KeyError, TypeError, binascii.Error, orjson.JSONDecodeError):
        raise StorageError.invalid_request("Invalid cursor") from None


@router.post("/list-v2/{bucket_id}")
async def list_objects_v2(
    bucket_id: str, body: ListV2Body, db: DbDep, caller: CallerDep
) -> dict[str, Any]:
    """storage-js `listV2`: keys under a raw prefix, a page at a time with an opaque cursor;
    `with_delimiter` folds deeper keys into folders (then ordered by name)."""
    order = body.sortBy.order if body.sortBy else "asc"
    column = "name" if body.with_delimiter or body.sortBy is None else body.sortBy.column
    after = _after(body.cursor, column, order)
    async with db.acting_as(caller) as conn:
        if not await store.bucket_exists(conn, bucket_id):
            raise StorageError.no_such_bucket()
        page = await store.list_v2(
            conn,
            bucket_id,
            body.prefix.lstrip("/"),
            delimiter=body.with_delimiter,
            limit=body.limit,
            column=column,
            order=order,
            after=after,
        )
    base = body.prefix.lstrip("/").rpartition("/")[0]
    base = f"{base}/" if base else ""
    folders, objects = [], []
    for row in page.entries:
        name = row["name"].removeprefix(base)
        if row["folder"]:
            folders.append({"key": row["name"], "name": name.rstrip("/")})
        else:
            objects.append(
                {
                    "id": str(row["id"]),
                    "key": row["name"],
                    "name": name,
                    "metadata": row["metadata"],
                    "created_at": store.iso(row["created_at"]),
                    "updated_at": store.iso(row["updated_at"]),
                    "last_accessed_at": store.iso(row["last_accessed_at"]),
                }
            )
    result: dict[str, Any] = {"hasNext": page.has_next, "folders": folders, "objects": objects}
    if page.has_next:
        last = page.entries[-1]
        value = None if column == "name" else last[column]
        result["nextCursor"] = _cursor(
            {"k": last["name"], "v": None if value is None else value.isoformat()}, column, order
        )
    return result


@router.post("/move")
async def move_object(body: MoveBody, caller: CallerDep, objects: ObjectsDep) -> dict[str, str]:
    target_bucket = body.destinationBucket or body.bucketId
    moved = await objects.move(
        caller, (body.bucketId, body.sourceKey), (target_bucket, body.destinationKey)
    )
    return {
        "message": "Successfully moved",
        "Id": moved.id,
        "Key": f"{target_bucket}/{body.destinationKey}",
    }


@router.post("/copy")
async def copy_object(
    body: CopyBody,
    caller: CallerDep,
    objects: ObjectsDep,
    x_upsert: UpsertHeader = None,
) -> dict[str, Any]:
    target_bucket = body.destinationBucket or body.bucketId
    copied = await objects.copy(
        caller,
        (body.bucketId, body.sourceKey),
        (target_bucket, body.destinationKey),
        upsert=upsert_header(x_upsert),
        user_metadata=None,
        copy_metadata=body.copyMetadata,
        overrides=body.metadata,
    )
    return {
        "Id": copied.id,
        "Key": f"{target_bucket}/{body.destinationKey}",
        **store.object_json(copied.row),
    }


async def _info_as(
    objects: ObjectsDep, caller: Any, bucket_id: str, key: str, public: bool = False
) -> dict[str, Any]:
    if public:
        return _info(await objects.find_public(bucket_id, key))
    return _info(await objects.find(caller, bucket_id, key))


@router.get("/info/public/{bucket_id}/{key:path}")
async def public_info(bucket_id: str, key: str, objects: ObjectsDep) -> dict[str, Any]:
    return await _info_as(objects, None, bucket_id, key, public=True)


@router.get("/info/authenticated/{bucket_id}/{key:path}")
async def authenticated_info(
    bucket_id: str, key: str, objects: ObjectsDep, caller: CallerDep
) -> dict[str, Any]:
    return await _info_as(objects, caller, bucket_id, key)


@router.get("/info/{bucket_id}/{key:path}")
async def info(
    bucket_id: str, key: str, objects: ObjectsDep, caller: OptionalCallerDep
) -> dict[str, Any]:
    return await _info_as(objects, caller, bucket_id, key)


@router.api_route("/public/{bucket_id}/{key:path}", methods=["GET", "HEAD"])
async def public_download(
    bucket_id: str, key: str, request: Request, objects: ObjectsDep, backend: BackendDep
) -> Response:
    found = await objects.find_public(bucket_id, key)
    return await send_object(request, backend, found, _download(request))


@router.api_route("/authenticated/{bucket_id}/{key:path}", methods=["GET", "HEAD"])
async def authenticated_download(
    bucket_id: str,
    key: str,
    request: Request,
    objects: ObjectsDep,
    backend: BackendDep,
    caller: CallerDep,
) -> Response:
    found = await objects.find(caller, bucket_id, key)
    return await send_object(request, backend, found, _download(request))


@router.api_route("/{bucket_id}/{key:path}", methods=["GET", "HEAD"])
async def download(
    bucket_id: str,
    key: str,
    request: Request,
    objects: ObjectsDep,
    backend: BackendDep,
    caller: OptionalCallerDep,
) -> Response:
    found = await objects.find(caller, bucket_id, key)
    return await send_object(request, backend, found, _download(request))


@router.post("/{bucket_id}/{key:path}")
async def upload(
    bucket_id: str,
    key: str,
    request: Request,
    caller: CallerDep,
    objects: ObjectsDep,
    x_upsert: UpsertHeader = None,
) -> dict[str, str]:
    row = await objects.upload(caller, bucket_id, key, request, upsert=upsert_header(x_upsert))
    return {"Id": row.id, "Key": f"{bucket_id}/{key}"}


@router.put("/{bucket_id}/{key:path}")
async def update(
    bucket_id: str, key: str, request: Request, caller: CallerDep, objects: ObjectsDep
) -> dict[str, str]:
    row = await objects.upload(caller, bucket_id, key, request, upsert=True)
    return {"Id": row.id, "Key": f"{bucket_id}/{key}"}


@router.delete("/{bucket_id}/{key:path}")
async def remove_one(
    bucket_id: str, key: str, caller: CallerDep, objects: ObjectsDep
) -> dict[str, str]:
    check_key(key)
    removed = await objects.remove(caller, bucket_id, [key])
    if not removed:
        raise StorageError.no_such_key()
    return {"message": "Successfully deleted"}


@router.delete("/{bucket_id}")
async def remove_many(
    bucket_id: str,
    caller: CallerDep,
    objects: ObjectsDep,
    body: Annotated[RemoveBody, Body()],
) -> list[dict[str, Any]]:
    removed = await objects.remove(caller, bucket_id, body.prefixes)
    return [store.object_json(r.row) for r in removed]
