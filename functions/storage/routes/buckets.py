"""`/bucket`: create, read, list, update, empty and delete buckets (RLS on storage.buckets)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Query

from functions.storage import store
from functions.storage.deps import CallerDep, DbDep, ObjectsDep, SettingsDep
from functions.storage.errors import StorageError
from functions.storage.keys import check_bucket_name
from functions.storage.models import BucketCreate, BucketUpdate

__all__ = ["router"]

router = APIRouter(prefix="/bucket", tags=["buckets"])

_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB)?$", re.IGNORECASE)
_UNITS = {"B": 1, "KB": 1000, "MB": 1000**2, "GB": 1000**3, "TB": 1000**4}
SORT_COLUMNS = ("id", "name", "created_at", "updated_at")


def parse_size(value: int | str | None, global_limit: int) -> int | None:
    """Bytes of `file_size_limit` (an integer or "20MB", "3.5GB"…), at most the global limit."""
    if value is None:
        return None
    if isinstance(value, int):
        size = value
    else:
        match = _SIZE.fullmatch(value.strip())
        if match is None:
            raise StorageError.invalid_request("file_size_limit must be bytes or like 20MB")
        size = int(float(match.group(1)) * _UNITS[(match.group(2) or "B").upper()])
    if size < 1:
        raise StorageError.invalid_request("file_size_limit must be positive")
    if size > global_limit:
        raise StorageError.too_large("file_size_limit is above the global upload limit")
    return size


@router.get("")
async def list_buckets(
    db: DbDep,
    caller: CallerDep,
    limit: Annotated[int | None, Query(ge=1)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    sortColumn: str = "name",  # noqa: N803 - the API's own parameter name
    sortOrder: str = "asc",  # noqa: N803
    search: str = "",
) -> list[dict[str, Any]]:
    column = sortColumn if sortColumn in SORT_COLUMNS else "name"
    async with db.acting_as(caller) as conn:
        buckets = await store.list_buckets(conn, limit, offset, column, sortOrder.lower(), search)
    return [bucket.json() for bucket in buckets]


@router.get("/{bucket_id}")
async def get_bucket(bucket_id: str, db: DbDep, caller: CallerDep) -> dict[str, Any]:
    async with db.acting_as(caller) as conn:
        bucket = await store.get_bucket(conn, bucket_id)
    if bucket is None:
        raise StorageError.no_such_bucket()
    found = bucket.json()
    found.pop("type", None)
    return found


@router.post("")
async def create_bucket(
    body: BucketCreate, db: DbDep, caller: CallerDep, settings: SettingsDep
) -> dict[str, str]:
    name = check_bucket_name(body.name)
    bucket_id = check_bucket_name(body.id or name)
    sub = caller.claims.get("sub")
    values = {
        "id": bucket_id,
        "name": name,
        "owner": sub if isinstance(sub, str) and _is_uuid(sub) else None,
        "owner_id": sub if isinstance(sub, str) else None,
        "public": body.public,
        "file_size_limit": parse_size(body.file_size_limit, settings.file_size_limit),
        "allowed_mime_types": body.allowed_mime_types,
        "type": body.type,
    }
    async with db.acting_as(caller) as conn:
        await store.create_bucket(conn, values)
    return {"name": name}


def _is_uuid(value: str) -> bool:
    return re.fullmatch(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}", value) is not None


@router.put("/{bucket_id}")
async def update_bucket(
    bucket_id: str, body: BucketUpdate, db: DbDep, caller: CallerDep, settings: SettingsDep
) -> dict[str, str]:
    changes: dict[str, Any] = {}
    if "public" in body.model_fields_set and body.public is not None:
        changes["public"] = body.public
    if "file_size_limit" in body.model_fields_set:
        changes["file_size_limit"] = parse_size(body.file_size_limit, settings.file_size_limit)
    if "allowed_mime_types" in body.model_fields_set:
        changes["allowed_mime_types"] = body.allowed_mime_types
    if not changes:
        raise StorageError.invalid_request("body must have at least 1 property to change")
    async with db.acting_as(caller) as conn:
        if not await store.update_bucket(conn, bucket_id, changes):
            raise StorageError.no_such_bucket()
    return {"message": "Successfully updated"}


@router.post("/{bucket_id}/empty")
async def empty_bucket(
    bucket_id: str, db: DbDep, caller: CallerDep, objects: ObjectsDep, tasks: BackgroundTasks
) -> dict[str, str]:
    if caller.role != "service_role":
        raise StorageError("AccessDenied", 403, "Access denied: Invalid role", "Unauthorized", 403)
    async with db.acting_as(caller) as conn:
        if await store.get_bucket(conn, bucket_id) is None:
            raise StorageError.no_such_bucket()
    tasks.add_task(objects.empty_bucket, bucket_id)
    return {"message": "Empty bucket has been queued. Completion may take up to an hour."}


@router.delete("/{bucket_id}")
async def delete_bucket(bucket_id: str, db: DbDep, caller: CallerDep) -> dict[str, str]:
    try:
        async with db.acting_as(caller) as conn:
            if await store.get_bucket(conn, bucket_id) is None:
                raise StorageError.no_such_bucket()
            if not await store.bucket_is_empty(conn, bucket_id):
                raise StorageError.not_empty()
            if not await store.delete_bucket(conn, bucket_id):
                raise StorageError.access_denied("new row violates row-level security policy")
    except StorageError as error:
        # Objects the caller cannot see still hold the bucket (foreign key).
        if error.code == "ResourceReferenced":
            raise StorageError.not_empty() from None
        raise
    return {"message": "Successfully deleted"}
