"""One error pattern for every function: no answer is ever FastAPI's `{"detail": …}`.

Data errors answer in PostgREST's shape `{code, message, details, hint}` (`ApiError`): a
refusal by the database keeps its SQLSTATE and PostgREST's status, a bad request is a 422
`invalid_request` with the validation errors as details, an unknown route or method is
`http_404` / `http_405`, anything unexpected a 500 `internal_error`. `install_error_handlers`
registers that for an app. A function whose protocol has its own shape (storage: Supabase
Storage's `{statusCode, error, message}`) uses the same `register_error_handlers` with its own
error type and answer, so every function converts validation errors, HTTP errors and its own
exceptions through one table of handlers.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from native_platform.rest.errors import ApiError, from_database_error

__all__ = [
    "ApiError",
    "Handler",
    "from_database_error",
    "install_error_handlers",
    "register_error_handlers",
    "respond",
    "validation_details",
]

E = TypeVar("E")
logger = logging.getLogger(__name__)
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


def register_error_handlers(
    app: FastAPI,
    respond_with: Callable[[Request, E], Response],
    converters: Mapping[type[Exception], Callable[[Request, Any], E]],
) -> None:
    """The one registration pattern: each exception type is converted to the protocol's error
    (`E`), which `respond_with` answers; `Exception` catches what nobody expected (a 500)."""

    def handler(convert: Callable[[Request, Any], E]) -> Handler:
        async def handle(request: Request, error: Exception) -> Response:
            return respond_with(request, convert(request, error))

        return handle

    for kind, convert in converters.items():
        app.add_exception_handler(kind, handler(convert))


def _unexpected(_request: Request, error: Exception) -> ApiError:
    logger.error("function: unexpected failure", exc_info=error)
    return ApiError(500, "internal_error", "Internal Server Error")


def _ignoring_request(convert: Callable[[Any], ApiError]) -> Callable[[Request, Any], ApiError]:
    return lambda _request, error: convert(error)


def install_error_handlers(
    app: FastAPI,
    *,
    validation: Callable[[RequestValidationError], ApiError] = invalid_request,
    extra: Mapping[type[Exception], Callable[[Any], ApiError]] | None = None,
) -> None:
    """PostgREST's shape for ApiError, request validation errors (`validation`), HTTP errors,
    each `extra` exception type (mapped to an ApiError) and anything unexpected."""
    converters: dict[type[Exception], Callable[[Request, Any], ApiError]] = {
        Exception: _unexpected,
        ApiError: lambda _request, error: error,
        RequestValidationError: lambda _request, error: validation(error),
        HTTPException: lambda _request, error: from_http_error(error),
    }
    for kind, convert in (extra or {}).items():
        converters[kind] = _ignoring_request(convert)
    register_error_handlers(app, lambda _request, error: respond(error), converters)
