"""Routes open to every API key: health, settings, sign-up and the token grants."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from psycopg.types.json import Jsonb
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from native_platform.auth.bodies import PasswordGrantBody, RefreshGrantBody, SignUpBody
from native_platform.auth.callers import ANON
from native_platform.auth.email_routes import EmailFlows
from native_platform.auth.errors import AuthError, refuse_phone
from native_platform.auth.service import AuthService
from native_platform.observability.metrics import counted_sign_in

__all__ = ["PublicRoutes"]

EXTERNAL = {"email": True, "phone": False}
SETTINGS = {
    "disable_signup": False,
    "phone_autoconfirm": False,
    "sms_provider": "",
    "saml_enabled": False,
}
HEALTH = {
    "version": "native",
    "name": "GoTrue",
    "description": "GoTrue-compatible auth API of the native platform",
}


async def health(_: Request) -> Response:
    return JSONResponse(HEALTH)


class PublicRoutes:
    def __init__(
        self,
        service: AuthService,
        email_flows: EmailFlows,
        grants: Mapping[str, Callable[[Request], Awaitable[dict[str, Any]]]] | None = None,
    ) -> None:
        self.service = service
        # Grants other modules serve (pkce, id_token: oauth_routes.py).
        self.grants = dict(grants or {})
        self.email_flows = email_flows
        self.confirmations = service.settings.enable_confirmations

    async def settings(self, _: Request) -> Response:
        return JSONResponse(
            {
                **SETTINGS,
                "external": {
                    **EXTERNAL,
                    # Enabled social providers ([auth.external.*]), as GoTrue lists them.
                    **dict.fromkeys(self.service.settings.external_providers, True),
                    "anonymous_users": self.service.settings.enable_anonymous_sign_ins,
                },
                "disable_signup": not self.service.settings.enable_signup,
                "mailer_autoconfirm": not self.confirmations,
            }
        )

    async def sign_up(self, request: Request) -> Response:
        if not self.service.settings.enable_signup:
            raise AuthError(422, "signup_disabled", "Signups not allowed for this instance")
        body = await self.service.body(request, SignUpBody)
        refuse_phone(body.phone)
        if body.email is None and body.password is None:
            if not self.service.settings.enable_anonymous_sign_ins:
                raise AuthError(
                    422, "anonymous_provider_disabled", "Anonymous sign-ins are disabled"
                )
            guest = await self.service.call(
                request, ANON, "sign_in_anonymously", Jsonb(body.data or {})
            )
            return JSONResponse(guest)
        # Autoconfirm: a session, and 422 user_already_exists for a taken address (as GoTrue).
        # Confirmations on: the bare user, for a taken address too (a stand-in, as GoTrue).
        function = "sign_up_unconfirmed" if self.confirmations else "sign_up"
        answer = await self.service.call(
            request, ANON, function, body.email, body.password, Jsonb(body.data or {})
        )
        if self.confirmations and body.email is not None:
            await self.email_flows.confirm_sign_up(request, body.email)
        return JSONResponse(answer)

    async def password_grant(self, request: Request) -> dict[str, Any]:
        body = await self.service.body(request, PasswordGrantBody)
        refuse_phone(body.phone)
        # The SQL function charges the attempt before checking the password, in a transaction
        # of its own that commits even when the sign-in fails (docs/security.md).
        session: dict[str, Any] = await self.service.call(
            request, ANON, "sign_in_with_password", body.email, body.password
        )
        return session

    async def refresh_grant(self, request: Request) -> dict[str, Any]:
        body = await self.service.body(request, RefreshGrantBody)
        try:
            session: dict[str, Any] = await self.service.call(
                request, ANON, "refresh_session", body.refresh_token
            )
        except AuthError as error:
            if error.code == "refresh_token_already_used":
                # Reuse of a rotated token: end the session in a transaction that commits.
                await self.service.call(
                    request, ANON, "revoke_session_on_token_reuse", body.refresh_token
                )
            raise
        return session

    async def token(self, request: Request) -> Response:
        grant = request.query_params.get("grant_type")
        if grant in ("password", "refresh_token"):
            handler = self.password_grant if grant == "password" else self.refresh_grant
            with counted_sign_in(grant):
                return JSONResponse(await handler(request))
        if grant in self.grants:
            with counted_sign_in(grant):
                return JSONResponse(await self.grants[grant](request))
        # GoTrue answers unknown grants with error code invalid_credentials.
        raise AuthError(400, "invalid_credentials", "unsupported_grant_type")

    async def jwks(self, _: Request) -> Response:
        # Public halves only; cached by clients, so a new key is published before it signs.
        return JSONResponse(
            {"keys": list(self.service.keys.jwks)},
            headers={"cache-control": "public, max-age=600"},
        )

    def routes(self) -> list[Route]:
        return [
            Route("/health", health, methods=["GET"]),
            Route("/.well-known/jwks.json", self.jwks, methods=["GET"]),
            Route("/settings", self.settings, methods=["GET"]),
            Route("/signup", self.sign_up, methods=["POST"]),
            Route("/token", self.token, methods=["POST"]),
        ]
