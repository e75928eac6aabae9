"""TOTP multi-factor authentication as GoTrue serves it: /factors enroll, challenge, verify and
unenroll for the signed-in user, /admin/users/{id}/factors for the service role.

The SQL functions (`auth.mfa_*`) keep the rules and the secrets; this module draws a secret,
renders the otpauth URI and its QR code (segno) and checks codes with pyotp. A verified code's
TOTP time step goes to `auth.mfa_verify`, which refuses a step already used (no replay within
the 30-second window) and upgrades the session to aal2 (amr `totp`).
"""

from __future__ import annotations

import hmac
import io
import re
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import pyotp
import segno
from psycopg.types.json import Jsonb
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from native_platform.auth.bodies import Body
from native_platform.auth.callers import SERVICE
from native_platform.auth.errors import AuthError
from native_platform.auth.service import AuthService

__all__ = ["MfaRoutes", "matching_step", "otpauth_uri", "qr_svg"]

CODE = re.compile(r"^[0-9]{6}$")
FACTOR_TYPES = ("totp", "phone", "webauthn")
# GoTrue's answers for the factor types it knows but this stack does not offer.
DISABLED = {
    "phone": ("mfa_phone_enroll_not_enabled", "MFA enroll is disabled for Phone"),
    "webauthn": ("mfa_webauthn_enroll_not_enabled", "MFA enroll is disabled for WebAuthn"),
}


class EnrollBody(Body):
    factor_type: str | None = None
    friendly_name: str | None = None
    issuer: str | None = None
    phone: str | None = None


class VerifyBody(Body):
    challenge_id: str | None = None
    code: str | None = None


class FactorUpdateBody(Body):
    friendly_name: str | None = None


def path_uuid(request: Request, name: str, code: str, message: str) -> uuid.UUID:
    try:
        return uuid.UUID(request.path_params[name])
    except ValueError:
        raise AuthError(404, code, message) from None


def factor_id(request: Request) -> uuid.UUID:
    return path_uuid(request, "factor_id", "mfa_factor_not_found", "Factor not found")


def otpauth_uri(secret: str, issuer: str, account: str) -> str:
    """`otpauth://totp/<issuer>:<account>?…` with GoTrue's parameters (SHA1, 6 digits, 30 s)."""
    label = quote(f"{issuer}:{account}", safe=":@")
    query = urlencode(
        {"algorithm": "SHA1", "digits": 6, "issuer": issuer, "period": 30, "secret": secret}
    )
    return f"otpauth://totp/{label}?{query}"


def qr_svg(uri: str) -> str:
    """The QR code of `uri` as a standalone SVG document (with its namespace, no XML
    declaration): the clients prepend `data:image/svg+xml;utf-8,` themselves."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=4, xmldecl=False)
    return buffer.getvalue().decode()


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The TOTP time step (previous, current or next, as GoTrue's skew of one) whose code is
    `code`, or None; every candidate is compared in constant time."""
    if not CODE.match(code):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    found = None
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def admin_user_id(request: Request) -> uuid.UUID:
    return path_uuid(request, "user_id", "user_not_found", "User not found")


class MfaRoutes:
    def __init__(self, service: AuthService) -> None:
        self.service = service
        self.settings = service.settings

    def default_issuer(self) -> str:
        # GoTrue's default issuer is the host of SITE_URL.
        return urlsplit(self.settings.site_url).hostname or "localhost"

    def check_enrollable(self, factor_type: str | None) -> None:
        if factor_type not in FACTOR_TYPES:
            raise AuthError(
                400, "validation_failed", "factor_type needs to be totp, phone or webauthn"
            )
        if factor_type in DISABLED:
            raise AuthError(422, *DISABLED[factor_type])
        if not self.settings.mfa_totp_enroll_enabled:
            raise AuthError(422, "mfa_totp_enroll_not_enabled", "MFA enroll is disabled for TOTP")

    async def enroll(self, request: Request) -> Response:
        caller = self.service.user(request)
        body = await self.service.body(request, EnrollBody)
        self.check_enrollable(body.factor_type)
        secret = pyotp.random_base32()
        enrolled = await self.service.call(
            request,
            caller,
            "mfa_enroll",
            body.friendly_name or "",
            secret,
            self.settings.mfa_max_enrolled_factors,
            self.settings.mfa_factor_expiry,
        )
        factor = enrolled["factor"]
        uri = otpauth_uri(secret, body.issuer or self.default_issuer(), str(enrolled["email"]))
        return JSONResponse(
            {
                "id": factor["id"],
                "type": "totp",
                "friendly_name": factor.get("friendly_name", ""),
                "totp": {"qr_code": qr_svg(uri), "secret": secret, "uri": uri},
            }
        )

    async def challenge(self, request: Request) -> Response:
        caller = self.service.user(request)
        await self.service.body(request, Body)  # js sends {factorId}, py {channel: null}
        answer = await self.service.call(
            request,
            caller,
            "mfa_challenge",
            factor_id(request),
            self.settings.mfa_challenge_expiry,
        )
        return JSONResponse(answer)

    async def verify(self, request: Request) -> Response:
        caller = self.service.user(request)
        body = await self.service.body(request, VerifyBody)
        factor = factor_id(request)
        try:
            challenge_id = uuid.UUID(body.challenge_id or "")
        except ValueError:
            raise AuthError(400, "validation_failed", "challenge_id must be a UUID") from None
        if not self.settings.mfa_totp_verify_enabled:
            raise AuthError(
                422, "mfa_totp_verify_not_enabled", "MFA verification is disabled for TOTP"
            )
        # Checked as the auth server: the secret never reaches an API role.
        secret: str = await self.service.call(
            request,
            SERVICE,
            "mfa_verification_secret",
            uuid.UUID(str(caller.claims["sub"])),
            factor,
            challenge_id,
            self.settings.mfa_challenge_expiry,
        )
        step = matching_step(secret, body.code or "", datetime.now(UTC))
        if step is None:
            raise AuthError(422, "mfa_verification_failed", "Invalid TOTP code entered")
        session = await self.service.call(request, caller, "mfa_verify", factor, challenge_id, step)
        return JSONResponse(session)

    async def unenroll(self, request: Request) -> Response:
        caller = self.service.user(request)
        answer = await self.service.call(request, caller, "mfa_unenroll", factor_id(request))
        return JSONResponse(answer)

    async def admin_list(self, request: Request) -> Response:
        caller = self.service.admin(request)
        answer = await self.service.call(
            request, caller, "admin_list_factors", admin_user_id(request)
        )
        return JSONResponse(answer)

    async def admin_update(self, request: Request) -> Response:
        caller = self.service.admin(request)
        body = await self.service.body(request, FactorUpdateBody)
        attributes: dict[str, Any] = body.model_dump(exclude_unset=True)
        answer = await self.service.call(
            request,
            caller,
            "admin_update_factor",
            admin_user_id(request),
            factor_id(request),
            Jsonb(attributes),
        )
        return JSONResponse(answer)

    async def admin_delete(self, request: Request) -> Response:
        caller = self.service.admin(request)
        answer = await self.service.call(
            request, caller, "admin_delete_factor", admin_user_id(request), factor_id(request)
        )
        return JSONResponse(answer)

    def routes(self) -> list[Route]:
        return [
            Route("/factors", self.enroll, methods=["POST"]),
            Route("/factors/{factor_id}/challenge", self.challenge, methods=["POST"]),
            Route("/factors/{factor_id}/verify", self.verify, methods=["POST"]),
            Route("/factors/{factor_id}", self.unenroll, methods=["DELETE"]),
            Route("/admin/users/{user_id}/factors", self.admin_list, methods=["GET"]),
            Route("/admin/users/{user_id}/factors/{factor_id}", self.admin_update, methods=["PUT"]),
            Route(
                "/admin/users/{user_id}/factors/{factor_id}",
                self.admin_delete,
                methods=["DELETE"],
            ),
        ]
