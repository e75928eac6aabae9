"""Social sign-in as GoTrue serves it (ADR 0029): /authorize sends the browser to the provider
(state, PKCE and nonce kept in auth.flow_state), /callback exchanges the provider's code and
validates its ID token (or reads Discord's user), then signs the identity in through SQL and
sends the browser back to the app: the session in the fragment (implicit flow) or a `code`
for `/token?grant_type=pkce`. `/user/identities/authorize` starts the same flow to link a
provider to the signed-in user (a guest becomes permanent). `/token?grant_type=id_token`
signs in with an ID token the app got from the provider itself (signInWithIdToken).
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from psycopg.types.json import Jsonb
from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from native_platform.auth.bodies import Body
from native_platform.auth.callers import ANON, SERVICE, Caller
from native_platform.auth.errors import AuthError
from native_platform.auth.id_token import ProviderDirectory
from native_platform.auth.providers import ExternalProvider, identity_of
from native_platform.auth.redirects import allowed_redirect
from native_platform.auth.service import AuthService

__all__ = ["OAuthFlows"]


class PkceGrantBody(Body):
    auth_code: str = Field(min_length=1, max_length=200)
    code_verifier: str = Field(min_length=1, max_length=200)


class IdTokenGrantBody(Body):
    provider: str = Field(min_length=1, max_length=200)
    id_token: str = Field(min_length=1, max_length=20_000)
    nonce: str | None = Field(default=None, max_length=500)
    client_id: str | None = Field(default=None, max_length=500)


def state_hash(state: str) -> bytes:
    return hashlib.sha256(state.encode()).digest()


def with_query(base: str, values: dict[str, Any]) -> str:
    parts = urlsplit(base)
    query = "&".join(part for part in (parts.query, urlencode(values)) if part)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def with_fragment(base: str, values: dict[str, Any]) -> str:
    return f"{base.split('#', 1)[0]}#{urlencode(values)}"


class OAuthFlows:
    def __init__(self, service: AuthService) -> None:
        self.service = service
        self.settings = service.settings
        self.directory = ProviderDirectory()

    def provider(self, name: str | None) -> ExternalProvider:
        provider = self.settings.external_providers.get(name or "")
        if provider is None:
            raise AuthError(
                400, "validation_failed", "Unsupported provider: provider is not enabled"
            )
        return provider

    def callback_url(self, provider: ExternalProvider) -> str:
        return provider.redirect_uri or f"{self.settings.api_external_url}/callback"

    def redirect_target(self, url: str | None) -> str:
        return allowed_redirect(url, self.settings.site_url, self.settings.additional_redirect_urls)

    async def provider_url(self, request: Request, linking: Caller | None) -> str:
        """Begin a flow: its row in auth.flow_state, and the provider's authorization URL."""
        params = request.query_params
        provider = self.provider(params.get("provider"))
        challenge = params.get("code_challenge") or None
        method = params.get("code_challenge_method") or None
        if method is not None and method.lower() not in ("s256", "plain"):
            raise AuthError(400, "validation_failed", "Unsupported code_challenge_method")
        scopes = " ".join(
            dict.fromkeys([*provider.scopes.split(), *params.get("scopes", "").split()])
        )
        state = secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(48)
        nonce = secrets.token_urlsafe(24)
        link_user = linking.claims.get("sub") if linking is not None else None
        await self.service.call(
            request,
            SERVICE,
            "begin_oauth_flow",
            provider.name,
            state_hash(state),
            verifier,
            nonce if provider.kind == "oidc" else None,
            self.redirect_target(params.get("redirect_to")),
            challenge,
            method,
            link_user,
        )
        async with httpx.AsyncClient() as http:
            endpoints = await self.directory.endpoints(http, provider)
        extra = {"nonce": nonce} if provider.kind == "oidc" else {}
        # authlib builds the request (RFC 6749 §4.1.1 with PKCE S256, RFC 7636).
        url: str = prepare_grant_uri(
            endpoints["authorization_endpoint"],
            provider.client_id,
            "code",
            redirect_uri=self.callback_url(provider),
            scope=scopes,
            state=state,
            code_challenge=create_s256_code_challenge(verifier),
            code_challenge_method="S256",
            **extra,
        )
        return url

    async def authorize(self, request: Request) -> Response:
        return RedirectResponse(await self.provider_url(request, None), status_code=302)

    async def link_identity(self, request: Request) -> Response:
        caller = self.service.user(request)
        url = await self.provider_url(request, caller)
        if request.query_params.get("skip_http_redirect") == "true":
            return JSONResponse({"url": url})
        return RedirectResponse(url, status_code=302)

    async def provider_claims(
        self, provider: ExternalProvider, flow: dict[str, Any], code: str
    ) -> dict[str, Any]:
        """Exchange the code (with our PKCE verifier) and return the identity's claims."""
        async with httpx.AsyncClient(timeout=10) as http:
            endpoints = await self.directory.endpoints(http, provider)
            body = prepare_token_request(
                "authorization_code",
                code=code,
                redirect_uri=self.callback_url(provider),
                client_id=provider.client_id,
                client_secret=provider.secret,
                code_verifier=flow["provider_code_verifier"],
            )
            headers = {
                "content-type": "application/x-www-form-urlencoded",
                "accept": "application/json",
            }
            try:
                answer = await http.post(endpoints["token_endpoint"], content=body, headers=headers)
                token = answer.json() if answer.status_code == 200 else None
            except (httpx.HTTPError, ValueError):
                token = None
            if not isinstance(token, dict):
                raise AuthError(400, "bad_oauth_callback", "Unable to exchange external code")
            if provider.kind == "discord":
                bearer = {"authorization": f"Bearer {token.get('access_token', '')}"}
                try:
                    response = await http.get(endpoints["userinfo_endpoint"], headers=bearer)
                    profile = response.json() if response.status_code == 200 else None
                except (httpx.HTTPError, ValueError):
                    profile = None
                if not isinstance(profile, dict):
                    message = "Error getting user profile from external provider"
                    raise AuthError(400, "bad_oauth_callback", message)
                return profile
            id_token = token.get("id_token")
            if not isinstance(id_token, str):
                raise AuthError(400, "bad_oauth_callback", "The provider sent no ID token")
            return await self.directory.validate(
                http, provider, id_token, flow.get("nonce"), hashed_nonce=False
            )

    async def callback(self, request: Request) -> Response:
        params = request.query_params
        target = self.settings.site_url
        flow: dict[str, Any] | None = None
        try:
            state = params.get("state")
            if not state:
                raise AuthError(400, "bad_oauth_callback", "OAuth state parameter missing")
            flow = await self.service.call(request, SERVICE, "take_oauth_flow", state_hash(state))
            assert flow is not None
            target = flow["redirect_to"]
            if params.get("error"):
                description = params.get("error_description") or params["error"]
                raise AuthError(400, "bad_oauth_callback", description[:500])
            provider = self.provider(flow["provider_type"])
            code = params.get("code")
            if not code:
                raise AuthError(400, "bad_oauth_callback", "OAuth code parameter missing")
            claims = await self.provider_claims(provider, flow, code)
            provider_id, identity = identity_of(provider, claims)
            if not provider_id:
                raise AuthError(400, "bad_oauth_callback", "The provider named no user")
            result = await self.service.call(
                request,
                SERVICE,
                "sign_in_with_identity",
                provider.name,
                provider_id,
                Jsonb(identity),
                flow["id"],
            )
        except AuthError as error:
            values = {
                "error": "server_error" if error.status >= 500 else "invalid_request",
                "error_code": error.code,
                "error_description": error.message,
            }
            pkce = flow is not None and flow.get("code_challenge")
            url = with_query(target, values) if pkce else with_fragment(target, values)
            return RedirectResponse(url, status_code=303)
        if "auth_code" in result:
            return RedirectResponse(with_query(target, {"code": result["auth_code"]}), 303)
        values = {
            "access_token": result["access_token"],
            "expires_at": result["expires_at"],
            "expires_in": result["expires_in"],
            "refresh_token": result["refresh_token"],
            "token_type": "bearer",
        }
        return RedirectResponse(with_fragment(target, values), status_code=303)

    async def pkce_grant(self, request: Request) -> dict[str, Any]:
        body = await self.service.body(request, PkceGrantBody)
        session: dict[str, Any] = await self.service.call(
            request, ANON, "exchange_auth_code", body.auth_code, body.code_verifier
        )
        return session

    async def id_token_grant(self, request: Request) -> dict[str, Any]:
        body = await self.service.body(request, IdTokenGrantBody)
        provider = self.provider(body.provider)
        async with httpx.AsyncClient() as http:
            claims = await self.directory.validate(
                http, provider, body.id_token, body.nonce, hashed_nonce=True
            )
        provider_id, identity = identity_of(provider, claims)
        session: dict[str, Any] = await self.service.call(
            request, SERVICE, "sign_in_with_identity", provider.name, provider_id, Jsonb(identity)
        )
        return session

    def grants(self) -> dict[str, Any]:
        return {"pkce": self.pkce_grant, "id_token": self.id_token_grant}

    def routes(self) -> list[Route]:
        return [
            Route("/authorize", self.authorize, methods=["GET"]),
            Route("/callback", self.callback, methods=["GET"]),
            Route("/user/identities/authorize", self.link_identity, methods=["GET"]),
        ]
