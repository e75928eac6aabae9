"""Every failure answers in the Storage API's own shape.

Exception
└── StorageError   one answer: HTTP status (400 for nearly everything, as upstream), and the body
                   {"statusCode": "<logical status>", "error", "message", "code"}

storage3 raises `StorageApiError(message, error, statusCode)` from the body and its `exists()`
looks at `statusCode` and `error`, so both strings are exact copies of upstream's.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException

from functions.common.errors import register_error_handlers

__all__ = ["StorageError", "from_database_error", "install_error_handlers"]

logger = logging.getLogger("functions.storage")


class StorageError(Exception):
    """An error of the Storage API: `code` (e.g. NoSuchKey), the logical `status`, and the
    HTTP status actually sent (400 unless upstream sends another)."""

    def __init__(
        self,
        code: str,
        status: int,
        message: str,
        error: str | None = None,
        http_status: int = 400,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.message = message
        self.error = error or code
        self.http_status = http_status
        self.headers = headers or {}

    def body(self) -> dict[str, str]:
        return {
            "statusCode": str(self.status),
            "error": self.error,
            "message": self.message,
            "code": self.code,
        }

    @classmethod
    def no_such_bucket(cls) -> StorageError:
        return cls("NoSuchBucket", 404, "Bucket not found", "Bucket not found")

    @classmethod
    def no_such_key(cls) -> StorageError:
        return cls("NoSuchKey", 404, "Object not found", "not_found")

    @classmethod
    def duplicate(cls) -> StorageError:
        return cls("ResourceAlreadyExists", 409, "The resource already exists", "Duplicate")

    @classmethod
    def not_empty(cls) -> StorageError:
        return cls("ResourceNotEmpty", 409, "The bucket you tried to delete is not empty")

    @classmethod
    def access_denied(cls, message: str) -> StorageError:
        return cls("AccessDenied", 403, message, "Unauthorized")

    @classmethod
    def too_large(
        cls, message: str = "The object exceeded the maximum allowed size"
    ) -> StorageError:
        return cls("EntityTooLarge", 413, message, "Payload too large")

    @classmethod
    def invalid_mime(cls, message: str) -> StorageError:
        return cls("InvalidMimeType", 415, message, "invalid_mime_type")

    @classmethod
    def invalid_key(cls, key: str) -> StorageError:
        shown = key.encode("unicode_escape").decode("ascii")[:200]
        return cls("InvalidKey", 400, f"Invalid key: {shown}")

    @classmethod
    def invalid_bucket_name(cls) -> StorageError:
        return cls("InvalidBucketName", 400, "Bucket name invalid", "Invalid Input")

    @classmethod
    def invalid_request(cls, message: str) -> StorageError:
        return cls("InvalidRequest", 400, message)

    @classmethod
    def invalid_jwt(cls, message: str) -> StorageError:
        return cls("InvalidJWT", 400, message)

    @classmethod
    def invalid_signature(cls) -> StorageError:
        return cls("InvalidSignature", 400, "The url do not match the signature")

    @classmethod
    def expired_token(cls) -> StorageError:
        return cls("ExpiredToken", 400, "The provided token has expired.")


# SQLSTATE → (code, logical status, error, message or None for the database's own text).
_SQLSTATES: dict[str, tuple[str, int, str, str | None]] = {
    "42501": ("AccessDenied", 403, "Unauthorized", None),
    "23505": ("ResourceAlreadyExists", 409, "Duplicate", "The resource already exists"),
    "23503": ("ResourceReferenced", 409, "ResourceReferenced", None),
    "55P03": ("ResourceLocked", 423, "ResourceLocked", None),
    "57014": ("DatabaseTimeout", 544, "DatabaseTimeout", "The database timed out"),
    "22P02": ("InvalidParameter", 400, "InvalidParameter", None),
    "23514": ("InvalidRequest", 400, "InvalidRequest", None),
    "53400": ("EntityTooLarge", 413, "Payload too large", None),
    "P0002": ("NoSuchKey", 404, "not_found", "Object not found"),
}


def _pre_request_error(error: psycopg.Error) -> StorageError:
    """The pre-request hook raises PostgREST-shaped errors (revoked session, rate limit)."""
    diag = error.diag
    try:
        body = orjson.loads(diag.message_primary or "{}")
        detail = orjson.loads(diag.message_detail or "{}")
    except orjson.JSONDecodeError:
        body, detail = {}, {}
    message = str(body.get("message") or "Request refused")
    if int(detail.get("status", 403)) == 429:
        headers = {k: str(v) for k, v in (detail.get("headers") or {}).items()}
        return StorageError("SlowDown", 429, message, "too_many_requests", 429, headers)
    return StorageError.access_denied(message)


def from_database_error(error: psycopg.Error) -> StorageError:
    sqlstate = error.sqlstate or ""
    if sqlstate == "PGRST":
        return _pre_request_error(error)
    if sqlstate.startswith("PT"):
        return StorageError("SlowDown", 429, error.diag.message_primary or "", "SlowDown", 429)
    known = _SQLSTATES.get(sqlstate)
    if known is None:
        logger.error("storage: database error %s: %s", sqlstate, error)
        return StorageError("DatabaseError", 500, "Internal Server Error", "internal", 500)
    code, status, name, message = known
    return StorageError(code, status, message or error.diag.message_primary or code, name)


RESUMABLE_PATH = "/upload/resumable"


def _resumable(request: Request) -> bool:
    return RESUMABLE_PATH in request.url.path


def respond_resumable(error: StorageError, with_body: bool = True) -> Response:
    """TUS answers errors as plain text with the real status (the logical one)."""
    status = error.status if 400 <= error.status < 600 else error.http_status
    headers = error.headers | {"Tus-Resumable": "1.0.0"}
    return PlainTextResponse(error.message if with_body else "", status, headers)


def respond(
    error: StorageError, with_body: bool = True, request: Request | None = None
) -> Response:
    if request is not None and _resumable(request):
        return respond_resumable(error, with_body)
    if not with_body:
        return Response(status_code=error.http_status, headers=error.headers)
    return JSONResponse(error.body(), status_code=error.http_status, headers=error.headers)


def _validation_message(item: dict[str, Any]) -> str:
    location = [str(part) for part in item.get("loc", ()) if part != "body"]
    where = "/".join(location)
    if item.get("type") == "missing" and location:
        parent = "/".join(location[:-1])
        return f"body{'/' + parent if parent else ''} must have required property '{location[-1]}'"
    return f"body/{where} {item.get('msg', 'is invalid')}"


def _validation_error(_request: Request, error: RequestValidationError) -> StorageError:
    items = list(error.errors())
    message = _validation_message(items[0]) if items else "Invalid request"
    return StorageError.invalid_request(message)


def _http_error(request: Request, error: HTTPException) -> StorageError:
    if error.status_code in (404, 405):
        path = request.scope.get("path", "")
        return StorageError(
            "InvalidRequest", 404, f"Route {request.method}:{path} not found", "Not Found", 404
        )
    return StorageError("InvalidRequest", error.status_code, str(error.detail))


def _unexpected(_request: Request, error: Exception) -> StorageError:
    logger.error("storage: unexpected failure", exc_info=error)
    return StorageError("InternalError", 500, "Internal Server Error", "internal", 500)


def install_error_handlers(app: FastAPI) -> None:
    """The functions' registration pattern (`functions.common.errors`), in Storage's shape."""
    register_error_handlers(
        app,
        lambda request, error: respond(error, request.method != "HEAD", request),
        {
            Exception: _unexpected,
            StorageError: lambda _request, error: error,
            RequestValidationError: _validation_error,
            HTTPException: _http_error,
        },
    )
