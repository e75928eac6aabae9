"""The GoTrue-compatible auth API (`/auth/v1` under the gateway) over the SQL auth functions."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from psycopg_pool import AsyncConnectionPool
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from native_platform.auth.admin_routes import admin_routes
from native_platform.auth.database import AuthDatabase
from native_platform.auth.email_routes import EmailFlows
from native_platform.auth.errors import DEFAULT_CODES, AuthError, error_response
from native_platform.auth.mfa_routes import MfaRoutes
from native_platform.auth.oauth_routes import OAuthFlows
from native_platform.auth.public_routes import PublicRoutes
from native_platform.auth.service import AuthService
from native_platform.auth.settings import AuthSettings
from native_platform.auth.user_routes import user_routes
from native_platform.observability.metrics import register_pool

__all__ = ["create_app"]

log = logging.getLogger(__name__)


async def auth_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, AuthError)
    return error_response(request, error)


async def http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    code = DEFAULT_CODES.get(error.status_code, "unexpected_failure")
    return error_response(request, AuthError(error.status_code, code, str(error.detail)))


async def unexpected_error(request: Request, error: Exception) -> Response:
    log.exception("auth request failed", exc_info=error)
    return error_response(request, AuthError(500, "unexpected_failure", "Unexpected failure"))


def create_app(settings: AuthSettings) -> Starlette:
    service = AuthService(settings)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        pool = AsyncConnectionPool(
            settings.database_url.get_secret_value(),
            min_size=settings.pool_min_size,
            max_size=settings.pool_max_size,
            timeout=settings.pool_timeout_seconds,
            open=False,
            # Calls prepare their statements themselves (native_platform/pipeline.py).
            kwargs={"prepare_threshold": None, "autocommit": True},
        )
        register_pool("auth", pool)
        await pool.open(wait=False)
        service.database = AuthDatabase(pool, settings.trust_forwarded_for, settings.sql_settings())
        try:
            yield
        finally:
            service.database = None
            await pool.close()

    email_flows = EmailFlows(service)
    oauth = OAuthFlows(service)
    routes = [
        *PublicRoutes(service, email_flows, oauth.grants()).routes(),
        *oauth.routes(),
        *email_flows.routes(),
        *user_routes(service, email_flows),
        *admin_routes(service),
        *MfaRoutes(service).routes(),
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={
            AuthError: auth_error,
            HTTPException: http_error,
            Exception: unexpected_error,
        },
    )
