"""One error pattern for every function: no answer is ever FastAPI's `{"detail": …}`.

Data errors answer in PostgREST's shape `{code, message, details, hint}` (`ApiError`): a
refusal by the database keeps its SQLSTATE and PostgREST's status, a bad request is a 422
`invalid_request` with the validation errors as details, an unknown route or method is
`http_404` / `http_405`. `install_error_handlers` registers that for an app; a function whose
protocol has its own shape (storage: Supabase Storage's `{statusCode, error, message}`) passes
its own `shape` and keeps the same registration, so every function answers validation errors,
HTTP errors and its own exceptions through one table of handlers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from native_platform.rest.errors import ApiError, from_database_error

__all__ = [
    "ApiError",
    "ErrorShape",
    "Handler",
    "from_database_error",
    "install_error_handlers",
    "respond",
    "validation_details",
]

# Turns an ApiError into the protocol's answer (PostgREST's shape unless a function says).
ErrorShape = Callable[[ApiError], Response]
Handler = Callable[[Request, Exception], Awaitable[Response]]


def respond(error: ApiError) -> JSONResponse:
    """PostgREST's answer: `{code, message, details, hint}` with the error's status and headers."""
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)


def validation_details(error: RequestValidationError | ValidationError) -> list[dict[str, Any]]:
    """Pydantic's errors without the client's own input echoed back."""
    details: list[dict[str, Any]] = jsonable_encoder(
        error.errors(), exclude={"input", "ctx", "url"}
    )
    return details


def invalid_request(error: RequestValidationError) -> ApiError:
    return ApiError(422, "invalid_request", "The request is invalid", validation_details(error))


def from_http_error(error: HTTPException) -> ApiError:
    """Starlette's errors (unknown route 404, wrong method 405, a route's own HTTPException)."""
    message = error.detail if isinstance(error.detail, str) else str(error.detail)
    return ApiError(
        error.status_code,
        f"http_{error.status_code}",
        message,
        None,
        None,
        dict(error.headers or {}),
    )


def install_error_handlers(
    app: FastAPI,
    *,
    shape: ErrorShape = respond,
    validation: Callable[[RequestValidationError], ApiError] = invalid_request,
    extra: Mapping[type[Exception], Callable[[Any], ApiError]] | None = None,
) -> None:
    """Answer ApiError, request validation errors, HTTP errors and each `extra` exception type
    (mapped to an ApiError) in `shape`; later registrations of the same type win."""

    def handler(convert: Callable[[Any], ApiError]) -> Handler:
        async def handle(_request: Request, error: Exception) -> Response:
            return shape(convert(error))

        return handle

    app.add_exception_handler(ApiError, handler(lambda error: error))
    app.add_exception_handler(RequestValidationError, handler(validation))
    app.add_exception_handler(HTTPException, handler(from_http_error))
    for kind, convert in (extra or {}).items():
        app.add_exception_handler(kind, handler(convert))
