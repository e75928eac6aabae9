"""PostgREST's error body, its PGRST codes and the SQLSTATE-to-HTTP mapping.

Exception
└── ApiError            one HTTP error answer: status, {code, message, details, hint}, headers
"""

from __future__ import annotations

from typing import Any

import orjson
import psycopg

__all__ = ["ApiError", "from_database_error", "status_for_sqlstate"]

JsonValue = Any


class ApiError(Exception):
    """An error answered with PostgREST's JSON shape."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: JsonValue = None,
        hint: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.hint = hint
        self.headers = headers or {}

    def body(self) -> dict[str, JsonValue]:
        return {
            "code": self.code,
            "details": self.details,
            "hint": self.hint,
            "message": self.message,
        }


_EXACT = {
    "23503": 409,
    "23505": 409,
    "25006": 405,
    "53400": 500,
    "57P01": 503,
    "42883": 404,
    "42P01": 404,
    "42P17": 500,
    "P0001": 400,
}
_PREFIX = {
    "08": 503,
    "09": 500,
    "0L": 403,
    "0P": 403,
    "25": 500,
    "28": 403,
    "2D": 500,
    "38": 500,
    "39": 500,
    "3B": 500,
    "40": 500,
    "53": 503,
    "54": 500,
    "55": 500,
    "57": 500,
    "58": 500,
    "F0": 500,
    "HV": 500,
    "P0": 500,
    "XX": 500,
}


def status_for_sqlstate(sqlstate: str, message: str, anonymous: bool) -> int:
    """The HTTP status PostgREST answers for a raised SQLSTATE."""
    if sqlstate in _EXACT:
        return _EXACT[sqlstate]
    if sqlstate == "42501":
        return 401 if anonymous else 403
    if sqlstate == "21000":
        return 400 if "requires a WHERE clause" in message else 500
    if sqlstate == "22023":
        return 401 if "role" in message and "does not exist" in message else 400
    if sqlstate.startswith("PT") and sqlstate[2:].isdigit():
        return int(sqlstate[2:])
    return _PREFIX.get(sqlstate[:2], 400)


def _raised_pgrst(diag: psycopg.errors.Diagnostic) -> ApiError:
    """`RAISE SQLSTATE 'PGRST'`: message and detail are JSON giving full control."""
    try:
        body = orjson.loads(diag.message_primary or "")
        control = orjson.loads(diag.message_detail or "")
        status = int(control["status"])
        headers = {str(k): str(v) for k, v in (control.get("headers") or {}).items()}
        return ApiError(
            status,
            str(body["code"]),
            str(body["message"]),
            body.get("details"),
            body.get("hint"),
            headers,
        )
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
        return ApiError(
            500,
            "PGRST121",
            "Could not parse JSON in the \"RAISE SQLSTATE 'PGRST'\" error",
            None,
            None,
        )


def from_database_error(error: psycopg.Error, anonymous: bool) -> ApiError:
    """Translate a Postgres error into PostgREST's answer."""
    if isinstance(error, psycopg.OperationalError) and error.sqlstate is None:
        return ApiError(
            503, "PGRST001", "Database client error. Retrying the connection.", str(error) or None
        )
    if error.sqlstate is None and isinstance(error, psycopg.DataError | psycopg.ProgrammingError):
        return ApiError(400, "22021", str(error), None, None)
    diag = error.diag
    sqlstate = error.sqlstate or "XX000"
    if sqlstate == "PGRST":
        return _raised_pgrst(diag)
    message = diag.message_primary or str(error)
    status = status_for_sqlstate(sqlstate, message, anonymous)
    headers: dict[str, str] = {}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return ApiError(status, sqlstate, message, diag.message_detail, diag.message_hint, headers)
