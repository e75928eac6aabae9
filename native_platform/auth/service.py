"""What every route needs: settings, the database (opened by the app's lifespan), callers."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from native_platform.auth.bodies import Model, read_body
from native_platform.auth.callers import Caller, require_admin, require_user
from native_platform.auth.database import AuthDatabase
from native_platform.auth.settings import AuthSettings
from native_platform.auth.tokens import TokenSigner
from native_platform.signing_keys import parse_keys

__all__ = ["AuthService"]


class AuthService:
    def __init__(self, settings: AuthSettings) -> None:
        self.settings = settings
        self.secret = settings.jwt_secret.get_secret_value()
        self.database: AuthDatabase | None = None
        self.keys = parse_keys(settings.jwt_keys.get_secret_value())
        issuer = settings.jwt_issuer or settings.api_external_url
        self.signer = TokenSigner(self.secret, self.keys, issuer)

    async def call(self, request: Request, caller: Caller, function: str, *args: Any) -> Any:
        assert self.database is not None, "the app's lifespan opens the database"
        # Sessions leave with their access token signed by the stack's key (ADR 0028).
        return self.signer.resign(await self.database.call(request, caller, function, *args))

    async def body(self, request: Request, model: type[Model]) -> Model:
        return await read_body(request, model, self.settings.max_body_bytes)

    def user(self, request: Request) -> Caller:
        return require_user(request, self.secret)

    def admin(self, request: Request) -> Caller:
        return require_admin(request, self.secret)
