"""Routes of the signed-in user: read and update the account, its identities, sign out."""

from __future__ import annotations

import uuid

from psycopg.types.json import Jsonb
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from native_platform.auth.bodies import UserUpdateBody
from native_platform.auth.callers import Caller
from native_platform.auth.email_routes import EmailFlows
from native_platform.auth.errors import AuthError
from native_platform.auth.service import AuthService

__all__ = ["user_routes"]

SCOPES = frozenset({"local", "global", "others"})


async def require_aal2_if_enrolled(
    service: AuthService, request: Request, caller: Caller, body: UserUpdateBody
) -> None:
    """GoTrue: with a verified factor, the email and password change only from aal2."""
    if not (body.email or body.password) or caller.claims.get("aal") == "aal2":
        return
    user = await service.call(request, caller, "get_user")
    if any(factor.get("status") == "verified" for factor in user.get("factors", [])):
        raise AuthError(
            401,
            "insufficient_aal",
            "AAL2 session is required to update email or password when MFA is enabled.",
        )


def user_routes(service: AuthService, email_flows: EmailFlows) -> list[Route]:
    async def get_user(request: Request) -> Response:
        caller = service.user(request)
        return JSONResponse(await service.call(request, caller, "get_user"))

    async def update_user(request: Request) -> Response:
        caller = service.user(request)
        body = await service.body(request, UserUpdateBody)
        await require_aal2_if_enrolled(service, request, caller, body)
        # Confirmations on: a new address waits for both of its links (double confirmation).
        change = body.email if service.settings.enable_confirmations and body.email else None
        skipped = {"nonce", "email"} if change else {"nonce"}
        attributes = Jsonb(body.model_dump(exclude_unset=True, exclude=skipped))
        if service.settings.secure_password_change:
            user = await service.call(
                request, caller, "update_user_with_nonce", attributes, body.nonce
            )
        else:
            user = await service.call(request, caller, "update_user", attributes)
        if change and change.strip().lower() != str(user.get("email", "")).lower():
            user = await email_flows.change_email(request, caller, change)
        return JSONResponse(user)

    async def identities(request: Request) -> Response:
        caller = service.user(request)
        return JSONResponse(await service.call(request, caller, "get_user_identities"))

    async def unlink_identity(request: Request) -> Response:
        caller = service.user(request)
        try:
            identity_id = uuid.UUID(request.path_params["identity_id"])
        except ValueError:
            raise AuthError(404, "identity_not_found", "Identity doesn't exist") from None
        await service.call(request, caller, "unlink_identity", identity_id)
        return JSONResponse({})

    async def logout(request: Request) -> Response:
        caller = service.user(request)
        scope = request.query_params.get("scope") or "global"
        if scope not in SCOPES:
            raise AuthError(400, "validation_failed", "scope must be local, global or others")
        await service.call(request, caller, "sign_out", scope)
        return Response(status_code=204)

    return [
        Route("/user", get_user, methods=["GET"]),
        Route("/user", update_user, methods=["PUT"]),
        Route("/user/identities", identities, methods=["GET"]),
        Route("/user/identities/{identity_id}", unlink_identity, methods=["DELETE"]),
        Route("/logout", logout, methods=["POST"]),
    ]
