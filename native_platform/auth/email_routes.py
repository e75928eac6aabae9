"""The email flows as GoTrue serves them: /recover, /otp, /verify, /resend, /invite and
/admin/generate_link, plus the confirmation mail of a sign-up when confirmations are on.

The SQL functions keep only hashes of the links' tokens and codes (auth.one_time_tokens); the
clear token and code exist in auth.issue_email_token's answer, which only the auth server (as
the service role) gets and which goes into the mail, never into an HTTP answer (except the
service role's own /admin/generate_link, as in GoTrue).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import jwt
from psycopg.types.json import Jsonb
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from native_platform.auth.bodies import (
    EmailBody,
    GenerateLinkBody,
    OtpBody,
    ResendBody,
    VerifyBody,
)
from native_platform.auth.callers import ANON, SERVICE, Caller
from native_platform.auth.errors import AuthError, refuse_phone
from native_platform.auth.mailer import Mailer
from native_platform.auth.redirects import allowed_redirect
from native_platform.auth.service import AuthService
from native_platform.auth.templates import render

__all__ = ["EmailFlows"]

# GoTrue's verification types (the link's `type`) of each token kind.
LINK_TYPES = {
    "confirmation": "signup",
    "recovery": "recovery",
    "magiclink": "magiclink",
    "invite": "invite",
    "email_change_current": "email_change",
    "email_change_new": "email_change",
}
GENERATED_KINDS = {
    "signup": "confirmation",
    "invite": "invite",
    "magiclink": "magiclink",
    "recovery": "recovery",
}
VERIFY_TYPES = frozenset({"signup", "invite", "magiclink", "recovery", "email", "email_change"})
EMAIL_CHANGE_TYPES = frozenset({"email_change", "email_change_current", "email_change_new"})
LINK_ERROR = "Email link is invalid or has expired"
# GoTrue's answer to the first of the two links of an email change.
ONE_OF_TWO = "Confirmation link accepted. Please proceed to confirm link sent to the other email"


PKCE_PREFIX = "pkce_"


@dataclass(frozen=True)
class Pkce:
    """The app's code challenge of an email flow (`flow_type: pkce`)."""

    challenge: str
    method: str


def pkce_of(body: EmailBody | OtpBody) -> Pkce | None:
    """Both or neither of code_challenge and code_challenge_method, as GoTrue asks."""
    if body.code_challenge is None and body.code_challenge_method is None:
        return None
    if not body.code_challenge or not body.code_challenge_method:
        raise AuthError(
            400, "validation_failed", "PKCE flow requires code_challenge_method and code_challenge"
        )
    return Pkce(body.code_challenge, body.code_challenge_method)


def without_pkce_prefix(token: str | None) -> tuple[str | None, bool]:
    """A link token of a PKCE flow carries GoTrue's `pkce_` prefix."""
    if token is not None and token.startswith(PKCE_PREFIX):
        return token[len(PKCE_PREFIX) :], True
    return token, False


def required_email(email: str | None) -> str:
    if not email:
        raise AuthError(422, "validation_failed", "An email address is required")
    return email


def query_url(base: str, values: dict[str, Any]) -> str:
    """`base` with `values` set in its query (and no fragment)."""
    parts = urlsplit(base.split("#", 1)[0])
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in values]
    return urlunsplit(parts._replace(query=urlencode([*query, *values.items()])))


def fragment_url(base: str, values: dict[str, Any]) -> str:
    """`base#key=value&...` (a fragment replaces any the base had)."""
    return f"{base.split('#', 1)[0]}#{urlencode(values)}"


class EmailFlows:
    def __init__(self, service: AuthService, mailer: Mailer | None = None) -> None:
        self.service = service
        self.settings = service.settings
        self.mailer = mailer or Mailer(service.settings)

    def redirect(self, url: str | None) -> str:
        return allowed_redirect(
            url, self.settings.site_url, tuple(self.settings.additional_redirect_urls)
        )

    def action_link(self, token: str, kind: str, redirect_to: str) -> str:
        query = urlencode({"token": token, "type": LINK_TYPES[kind], "redirect_to": redirect_to})
        return f"{self.settings.api_external_url}/verify?{query}"

    async def issue(
        self,
        request: Request,
        kind: str,
        email: str,
        redirect_to: str,
        create_user: bool = False,
        data: dict[str, Any] | None = None,
        rate_limited: bool = True,
    ) -> dict[str, Any] | None:
        """A new token and code (null: nothing to send), rate-limited by the SQL function
        unless the service role asks (/invite, /admin/generate_link)."""
        issued: dict[str, Any] | None = await self.service.call(
            request,
            SERVICE,
            "issue_email_token",
            kind,
            email,
            self.settings.otp_expiry,
            redirect_to,
            create_user,
            Jsonb(data or {}),
            rate_limited,
        )
        return issued

    async def mail(self, issued: dict[str, Any], redirect_to: str, pkce: bool = False) -> None:
        kind = str(issued["token_type"])
        token = (PKCE_PREFIX if pkce else "") + str(issued["token"])
        message = render(
            kind,
            list(issued["locales"]),
            link=self.action_link(token, kind, redirect_to),
            code=issued["code"],
            email=issued["email"],
            minutes=self.settings.otp_expiry // 60,
        )
        await self.mailer.send(str(issued["email"]), message)

    async def issue_and_mail(
        self,
        request: Request,
        kind: str,
        email: str,
        create_user: bool = False,
        data: dict[str, Any] | None = None,
        rate_limited: bool = True,
        pkce: Pkce | None = None,
    ) -> dict[str, Any] | None:
        redirect_to = self.redirect(request.query_params.get("redirect_to"))
        issued = await self.issue(
            request, kind, email, redirect_to, create_user, data, rate_limited
        )
        if issued is not None:
            if pkce is not None:
                await self.service.call(
                    request,
                    SERVICE,
                    "begin_email_flow",
                    uuid.UUID(str(issued["user"]["id"])),
                    str(issued["token_type"]),
                    pkce.challenge,
                    pkce.method,
                    redirect_to,
                )
            await self.mail(issued, redirect_to, pkce is not None)
        return issued

    async def confirm_sign_up(self, request: Request, email: str) -> None:
        """The confirmation mail of a sign-up with confirmations on (none for a confirmed
        address: its stand-in answer gets no mail, as in GoTrue).

        Over the per-address mail limit the sign-up still answers as usual (GoTrue says 429,
        which would tell a registered address from a new one); /resend sends another later.
        """
        try:
            await self.issue_and_mail(request, "confirmation", email)
        except AuthError as error:
            if error.code != "over_email_send_rate_limit":
                raise

    async def recover(self, request: Request) -> Response:
        body = await self.service.body(request, EmailBody)
        pkce = pkce_of(body)
        # Unknown addresses get the same answer (and the same rate-limit charge) as known ones.
        await self.issue_and_mail(request, "recovery", required_email(body.email), pkce=pkce)
        return JSONResponse({})

    async def otp(self, request: Request) -> Response:
        body = await self.service.body(request, OtpBody)
        refuse_phone(body.phone)
        create = body.create_user and self.settings.enable_signup
        issued = await self.issue_and_mail(
            request, "magiclink", required_email(body.email), create, body.data, pkce=pkce_of(body)
        )
        if issued is None:
            raise AuthError(422, "otp_disabled", "Signups not allowed for otp")
        return JSONResponse({})

    async def resend(self, request: Request) -> Response:
        body = await self.service.body(request, ResendBody)
        refuse_phone(body.phone)
        if body.type in EMAIL_CHANGE_TYPES:
            raise AuthError(422, "validation_failed", "Email change is not supported yet")
        if body.type != "signup":
            raise AuthError(400, "validation_failed", "Missing one of these types: signup")
        await self.issue_and_mail(request, "confirmation", required_email(body.email))
        return JSONResponse({})

    async def change_email(self, request: Request, caller: Caller, email: str) -> Any:
        """Mail both addresses a link and code; the address changes once both are used."""
        redirect_to = self.redirect(request.query_params.get("redirect_to"))
        issued = await self.service.call(
            request,
            SERVICE,
            "request_email_change",
            caller.claims["sub"],
            email,
            self.settings.otp_expiry,
            redirect_to,
        )
        for kind in ("email_change_current", "email_change_new"):
            sent = issued[kind]
            message = render(
                "email_change",
                list(issued["locales"]),
                link=self.action_link(str(sent["token"]), kind, redirect_to),
                code=sent["code"],
                new_email=issued["user"]["new_email"],
                minutes=self.settings.otp_expiry // 60,
            )
            await self.mailer.send(str(sent["email"]), message)
        return issued["user"]

    async def reauthenticate(self, request: Request) -> Response:
        """Mail the signed-in user a nonce for PUT /user (secure_password_change)."""
        caller = self.service.user(request)
        issued: dict[str, Any] = await self.service.call(
            request,
            SERVICE,
            "issue_reauthentication_nonce",
            caller.claims["sub"],
            self.settings.otp_expiry,
        )
        message = render(
            "reauthentication",
            list(issued["locales"]),
            code=issued["code"],
            minutes=self.settings.otp_expiry // 60,
        )
        await self.mailer.send(str(issued["email"]), message)
        return JSONResponse({})

    async def verify_token(self, request: Request, caller: Caller, body: VerifyBody) -> Any:
        """{session, token_type, redirect_to} or AuthError in GoTrue's words."""
        if body.type not in VERIFY_TYPES:
            raise AuthError(400, "validation_failed", "Verify requires a verification type")
        refuse_phone(body.phone)
        if body.token_hash:
            args: tuple[str | None, ...] = (without_pkce_prefix(body.token_hash)[0], None)
        elif body.token and body.email:
            args = (body.token, body.email)
        else:
            raise AuthError(
                400, "validation_failed", "Verify requires either a token or a token hash"
            )
        if body.type == "email_change":
            result = await self.service.call(request, caller, "verify_email_change", *args)
        else:
            result = await self.service.call(
                request, caller, "verify_email_token", body.type, *args
            )
        error = result.get("error")
        if error is not None:
            raise AuthError(int(error["status"]), str(error["code"]), str(error["message"]))
        return result

    async def verify_post(self, request: Request) -> Response:
        body = await self.service.body(request, VerifyBody)
        result = await self.verify_token(request, ANON, body)
        if result.get("pending"):
            return JSONResponse({"msg": ONE_OF_TWO, "code": "200"})
        return JSONResponse(result["session"])

    async def verify_get(self, request: Request) -> Response:
        """The link of a mail: a 303 to redirect_to with the session (or the error) in the
        fragment, as GoTrue's implicit flow answers; a PKCE flow's link (token `pkce_…`) lands
        with `?code=` for /token?grant_type=pkce instead."""
        query = request.query_params
        token, pkce = without_pkce_prefix(query.get("token"))
        body = VerifyBody(type=query.get("type"), token_hash=token)
        try:
            result = await self.verify_token(request, ANON, body)
        except AuthError as error:
            if error.status in (429, 500, 503, 504):
                raise
            return self.error_redirect(query.get("redirect_to"), error, pkce)
        target = self.redirect(query.get("redirect_to") or result.get("redirect_to"))
        if result.get("pending"):
            return RedirectResponse(fragment_url(target, {"message": ONE_OF_TWO}), status_code=303)
        session = result["session"]
        if pkce:
            return await self.code_redirect(request, target, session, str(result["token_type"]))
        values = {
            "access_token": session["access_token"],
            "expires_at": session["expires_at"],
            "expires_in": session["expires_in"],
            "refresh_token": session["refresh_token"],
            "token_type": "bearer",
            "type": str(body.type),
        }
        return RedirectResponse(fragment_url(target, values), status_code=303)

    def error_redirect(self, redirect_to: str | None, error: AuthError, pkce: bool) -> Response:
        """GoTrue's error redirect: in the fragment, and in the query too for a PKCE flow."""
        target = self.redirect(redirect_to)
        values = {
            "error": "access_denied",
            "error_code": error.code,
            "error_description": LINK_ERROR if error.code == "otp_expired" else error.message,
        }
        if pkce:
            target = query_url(target, values)
        return RedirectResponse(fragment_url(target, values), status_code=303)

    async def code_redirect(
        self, request: Request, target: str, session: dict[str, Any], kind: str
    ) -> Response:
        """End the link's own session and hand out the flow's auth code instead."""
        claims = jwt.decode(session["access_token"], options={"verify_signature": False})
        code = await self.service.call(
            request, SERVICE, "issue_email_auth_code", uuid.UUID(str(claims["session_id"])), kind
        )
        if code is None:
            error = AuthError(404, "flow_state_not_found", "No valid flow state found")
            return self.error_redirect(target, error, pkce=True)
        return RedirectResponse(query_url(target, {"code": code}), status_code=303)

    async def invite(self, request: Request) -> Response:
        self.service.admin(request)
        body = await self.service.body(request, EmailBody)
        issued = await self.issue_and_mail(
            request, "invite", required_email(body.email), True, body.data, rate_limited=False
        )
        assert issued is not None, "an invite creates the user"
        return JSONResponse({**issued["user"], "invited_at": issued["user"].get("created_at")})

    async def generate_link(self, request: Request) -> Response:
        """The link and code without a mail (the service role sends its own), as GoTrue."""
        self.service.admin(request)
        body = await self.service.body(request, GenerateLinkBody)
        if body.type in ("email_change_current", "email_change_new"):
            return await self.generate_email_change_link(request, body)
        kind = GENERATED_KINDS.get(body.type or "")
        if kind is None:
            raise AuthError(400, "validation_failed", "Invalid link type")
        email = required_email(body.email)
        if body.type == "signup" and body.password is not None:
            await self.service.call(
                request, ANON, "sign_up_unconfirmed", email, body.password, Jsonb(body.data or {})
            )
        redirect_to = self.redirect(request.query_params.get("redirect_to") or body.redirect_to)
        create = body.type in ("signup", "invite")
        issued = await self.issue(
            request, kind, email, redirect_to, create, body.data, rate_limited=False
        )
        if issued is None:
            if body.type == "signup":
                raise AuthError(
                    422,
                    "email_exists",
                    "A user with this email address has already been registered",
                )
            raise AuthError(404, "user_not_found", "User with this email not found")
        token = str(issued["token"])
        return JSONResponse(
            {
                **issued["user"],
                "action_link": self.action_link(token, str(issued["token_type"]), redirect_to),
                "email_otp": issued["code"],
                "hashed_token": token,
                "redirect_to": redirect_to,
                "verification_type": LINK_TYPES[str(issued["token_type"])],
            }
        )

    async def generate_email_change_link(
        self, request: Request, body: GenerateLinkBody
    ) -> Response:
        """The token of one address of a double-confirmed email change (the current one or
        the new one, as `type` names), as GoTrue's generate_link; no mail."""
        redirect_to = self.redirect(request.query_params.get("redirect_to") or body.redirect_to)
        kind = str(body.type)
        issued = await self.service.call(
            request,
            SERVICE,
            "admin_request_email_change",
            kind,
            required_email(body.email),
            body.new_email,
            self.settings.otp_expiry,
            redirect_to,
        )
        token = str(issued["token"])
        return JSONResponse(
            {
                **issued["user"],
                "action_link": self.action_link(token, kind, redirect_to),
                "email_otp": issued["code"],
                "hashed_token": token,
                "redirect_to": redirect_to,
                "verification_type": kind,  # GoTrue answers the type itself here
            }
        )

    def routes(self) -> list[Route]:
        return [
            Route("/recover", self.recover, methods=["POST"]),
            Route("/otp", self.otp, methods=["POST"]),
            Route("/magiclink", self.otp, methods=["POST"]),
            Route("/resend", self.resend, methods=["POST"]),
            Route("/reauthenticate", self.reauthenticate, methods=["GET", "POST"]),
            Route("/verify", self.verify_post, methods=["POST"]),
            Route("/verify", self.verify_get, methods=["GET"]),
            Route("/invite", self.invite, methods=["POST"]),
            Route("/admin/generate_link", self.generate_link, methods=["POST"]),
        ]
