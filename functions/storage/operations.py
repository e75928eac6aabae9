"""`storage.operation()`: the name of the API operation each request performs, upstream's
names (`storage.object.upload`, `storage.object.list_v2`…), set transaction-locally in every
transaction the request opens (db.Database.acting_as), so a policy can tell a listing from a
download or an upload from a copy, as Supabase Storage's policies can.

The operation is found from the matched route's endpoint (module and function name) by one
app-wide dependency; a test checks that every route has one.
"""

from __future__ import annotations

from contextvars import ContextVar

from starlette.requests import Request

__all__ = ["OPERATIONS", "current_operation", "set_operation"]

# (router module, endpoint function) → upstream's operation name.
OPERATIONS: dict[tuple[str, str], str] = {
    ("buckets", "list_buckets"): "storage.bucket.list",
    ("buckets", "get_bucket"): "storage.bucket.get",
    ("buckets", "create_bucket"): "storage.bucket.create",
    ("buckets", "update_bucket"): "storage.bucket.update",
    ("buckets", "empty_bucket"): "storage.bucket.empty",
    ("buckets", "delete_bucket"): "storage.bucket.delete",
    ("objects", "list_objects"): "storage.object.list",
    ("objects", "list_objects_v2"): "storage.object.list_v2",
    ("objects", "move_object"): "storage.object.move",
    ("objects", "copy_object"): "storage.object.copy",
    ("objects", "public_info"): "storage.object.info_public",
    ("objects", "authenticated_info"): "storage.object.info_authenticated",
    ("objects", "info"): "storage.object.info",
    ("objects", "public_download"): "storage.object.get_public",
    ("objects", "authenticated_download"): "storage.object.get_authenticated",
    ("objects", "download"): "storage.object.get",
    ("objects", "upload"): "storage.object.upload",
    ("objects", "update"): "storage.object.upload_update",
    ("objects", "remove_one"): "storage.object.delete",
    ("objects", "remove_many"): "storage.object.delete_many",
    ("signed", "sign"): "storage.object.sign",
    ("signed", "sign_many"): "storage.object.sign_many",
    ("signed", "signed_download"): "storage.object.get_signed",
    ("signed", "sign_upload"): "storage.object.sign_upload_url",
    ("signed", "signed_upload"): "storage.object.upload_signed",
    ("render", "authenticated"): "storage.render.image_authenticated",
    ("render", "public"): "storage.render.image_public",
    ("render", "signed"): "storage.render.image_sign",
    ("resumable", "discover"): "storage.tus.options",
    ("resumable", "create"): "storage.tus.upload_create",
    ("resumable", "patch"): "storage.tus.upload_part",
    ("resumable", "head"): "storage.tus.upload_get",
    ("resumable", "delete"): "storage.tus.upload_delete",
    ("resumable", "create_signed"): "storage.tus.upload_create",
    ("resumable", "patch_signed"): "storage.tus.upload_part",
    ("resumable", "head_signed"): "storage.tus.upload_get",
    ("resumable", "delete_signed"): "storage.tus.upload_delete",
}

_operation: ContextVar[str | None] = ContextVar("storage_operation", default=None)


def operation_of(module: str, name: str) -> str | None:
    return OPERATIONS.get((module.rsplit(".", 1)[-1], name))


async def set_operation(request: Request) -> None:
    """App-wide dependency (async, so the value stays in the request's context)."""
    endpoint = request.scope.get("endpoint")
    if endpoint is not None:
        _operation.set(operation_of(endpoint.__module__, endpoint.__name__))


def current_operation() -> str | None:
    return _operation.get()
