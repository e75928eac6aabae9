"""Request bodies: size-limited JSON objects validated by pydantic models."""

from __future__ import annotations

from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.requests import Request

from native_platform.auth.errors import AuthError
from native_platform.digits import is_ascii_digits

__all__ = [
    "AdminUserBody",
    "EmailBody",
    "GenerateLinkBody",
    "OtpBody",
    "ResendBody",
    "VerifyBody",
    "PasswordGrantBody",
    "RefreshGrantBody",
    "SignUpBody",
    "UserUpdateBody",
    "read_body",
]

Model = TypeVar("Model", bound=BaseModel)


class Body(BaseModel):
    # Clients send more than we use (gotrue_meta_security, code_challenge, ...): ignore it.
    model_config = ConfigDict(extra="ignore", strict=True)


class SignUpBody(Body):
    email: str | None = None
    phone: str | None = None
    password: str | None = None
    data: dict[str, Any] | None = None


class PasswordGrantBody(Body):
    email: str | None = None
    phone: str | None = None
    password: str | None = None


class RefreshGrantBody(Body):
    refresh_token: str | None = None


class UserUpdateBody(Body):
    email: str | None = None
    phone: str | None = None
    password: str | None = None
    data: dict[str, Any] | None = None
    nonce: str | None = None


class EmailBody(Body):
    """/recover and /invite."""

    email: str | None = None
    data: dict[str, Any] | None = None
    # flow_type pkce (supabase-js/py send both, or nulls in the implicit flow).
    code_challenge: str | None = None
    code_challenge_method: str | None = None


class OtpBody(Body):
    email: str | None = None
    phone: str | None = None
    create_user: bool = True
    data: dict[str, Any] | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None


class VerifyBody(Body):
    type: str | None = None
    token: str | None = None
    token_hash: str | None = None
    email: str | None = None
    phone: str | None = None
    redirect_to: str | None = None


class ResendBody(Body):
    type: str | None = None
    email: str | None = None
    phone: str | None = None


class GenerateLinkBody(Body):
    type: str | None = None
    email: str | None = None
    password: str | None = None
    new_email: str | None = None
    data: dict[str, Any] | None = None
    redirect_to: str | None = None


class AdminUserBody(Body):
    email: str | None = None
    phone: str | None = None
    password: str | None = None
    email_confirm: bool | None = None
    user_metadata: dict[str, Any] | None = None
    app_metadata: dict[str, Any] | None = None
    ban_duration: str | None = None


async def read_raw(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if is_ascii_digits(declared) and int(declared) > limit:
        raise AuthError(413, "request_too_large", f"Request body exceeds {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise AuthError(413, "request_too_large", f"Request body exceeds {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def first_problem(error: ValidationError) -> str:
    item = error.errors()[0]
    where = ".".join(str(part) for part in item["loc"]) or "body"
    return f"{where}: {item['msg']}"


async def read_body(request: Request, model: type[Model], limit: int) -> Model:
    """The body as `model`; 400 bad_json when it is not a JSON object, 413 when too large."""
    raw = await read_raw(request, limit)
    try:
        value = orjson.loads(raw or b"{}")
    except orjson.JSONDecodeError:
        raise AuthError(400, "bad_json", "Could not parse request body as JSON") from None
    if not isinstance(value, dict):
        raise AuthError(400, "bad_json", "Request body must be a JSON object")
    try:
        return model.model_validate(value)
    except ValidationError as error:
        raise AuthError(400, "validation_failed", first_problem(error)) from None
