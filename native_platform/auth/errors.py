"""GoTrue's error responses, and the mapping from the SQL functions' raised errors to them.

The SQL functions raise `PT<status>` with the GoTrue error code in the hint and extra response
fields (JSON) in the detail; rate limits raise PostgREST's `PGRST` with status and headers.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import psycopg
from psycopg_pool import PoolTimeout
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

__all__ = ["AuthError", "error_response", "from_database_error", "refuse_phone"]

log = logging.getLogger(__name__)

API_VERSION_HEADER = "x-supabase-api-version"
API_VERSION = re.compile(r"^2\d{3}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
DEFAULT_CODES = {
    400: "validation_failed",
    401: "no_authorization",
    403: "bad_jwt",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    422: "validation_failed",
    429: "over_request_rate_limit",
}


class AuthError(Exception):
    """An error answer: HTTP status, GoTrue error code, message, extra fields and headers."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra or {}
        self.headers = headers or {}


def refuse_phone(phone: str | None) -> None:
    """Phone sign-ins answer GoTrue's provider-disabled error."""
    if phone:
        raise AuthError(422, "phone_provider_disabled", "Phone logins are disabled")


def wants_versioned_errors(request: Request) -> bool:
    """Clients sending X-Supabase-Api-Version >= 2024-01-01 get `{"code", "message"}`."""
    version = request.headers.get(API_VERSION_HEADER, "")
    return bool(API_VERSION.match(version)) and version >= "2024-01-01"


def error_response(request: Request, error: AuthError) -> Response:
    headers = {"x-sb-error-code": error.code, **error.headers}
    body: dict[str, Any]
    if wants_versioned_errors(request):
        headers["X-Supabase-Api-Version"] = request.headers[API_VERSION_HEADER]
        body = {"code": error.code, "message": error.message}
    else:
        body = {"code": error.status, "error_code": error.code, "msg": error.message}
    return JSONResponse({**body, **error.extra}, status_code=error.status, headers=headers)


def json_object(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def from_rate_limit(diag: psycopg.errors.Diagnostic) -> AuthError:
    """PostgREST's PGRST error: status and headers in the detail, code/message in the message."""
    detail = json_object(diag.message_detail)
    message = json_object(diag.message_primary)
    status = detail.get("status")
    status = status if isinstance(status, int) else 400
    headers = detail.get("headers")
    headers = headers if isinstance(headers, dict) else {}
    code = DEFAULT_CODES.get(status, "unexpected_failure")
    text = str(message.get("message") or "Request rejected")
    if status == 429:
        text = "Request rate limit reached"
    return AuthError(status, code, text, headers={str(k): str(v) for k, v in headers.items()})


def from_database_error(error: psycopg.Error | PoolTimeout) -> AuthError:
    # QueryCanceled (57014, a statement timeout) is an OperationalError too: answered below.
    if isinstance(error, PoolTimeout) or (
        isinstance(error, psycopg.OperationalError) and error.sqlstate != "57014"
    ):
        log.warning("auth database unavailable: %s", error)
        return AuthError(503, "unexpected_failure", "Service temporarily unavailable")
    diag = error.diag
    state = diag.sqlstate or ""
    if not state and isinstance(error, psycopg.DataError):
        # Refused by the driver before sending (e.g. a NUL character in a string).
        return AuthError(400, "validation_failed", str(error))
    message = diag.message_primary or "Request rejected"
    if state.startswith("PT") and state[2:].isdigit():
        status = int(state[2:])
        code = diag.message_hint or DEFAULT_CODES.get(status, "unexpected_failure")
        return AuthError(status, code, message, extra=json_object(diag.message_detail))
    if state == "PGRST":
        return from_rate_limit(diag)
    if state == "57014":
        return AuthError(504, "request_timeout", "Processing this request timed out")
    if state == "23505":
        return AuthError(422, "email_exists", "A user with this email address already exists")
    if state == "42501":
        return AuthError(403, "not_admin", "User not allowed")
    if state.startswith(("22", "23")):
        return AuthError(400, "validation_failed", message)
    log.error("auth database error %s: %s", state, message)
    return AuthError(500, "unexpected_failure", "Unexpected failure")
