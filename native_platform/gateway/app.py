"""The gateway application served on the API port: one base URL for every service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager

import httpx
from psycopg_pool import AsyncConnectionPool
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route

from native_platform.cors import CORSMiddleware, cors_options
from native_platform.docs_site import DocsSite, site_dir
from native_platform.gateway.apikey import ApiKeyGate
from native_platform.gateway.client_address import ClientAddress
from native_platform.gateway.health import health, ready
from native_platform.gateway.mount_paths import BareMountPaths
from native_platform.gateway.services import key_auth_prefixes, service_mounts
from native_platform.observability.logging import RequestLog, configure_logging
from native_platform.observability.metrics import MetricsMiddleware, RouteProbe, register_pool
from native_platform.observability.tracing import ServiceSpan, TracingMiddleware, configure_tracing
from native_platform.project_config import ProjectConfig, load_project_config
from native_platform.settings import StackSettings, load_settings

__all__ = ["create_app"]

# Supabase's own response headers, exposed on top of PostgREST's.
SUPABASE_EXPOSED_HEADERS = (
    "Preference-Applied",
    "Content-Profile",
    "X-Supabase-Api-Version",
    "Proxy-Status",
)
# Auth paths a browser reaches without the apikey (Kong's auth-v1-open routes): the email links,
# the OAuth redirects to and from the provider, and the public signing keys (ADR 0028).
OPEN_AUTH_PATHS = frozenset(
    {
        "/auth/v1/verify",
        "/auth/v1/authorize",
        "/auth/v1/callback",
        "/auth/v1/.well-known/jwks.json",
    }
)


def middleware(
    settings: StackSettings, mounts: list[Mount], config: ProjectConfig
) -> list[Middleware]:
    keys = {settings.anon_key.get_secret_value(), settings.service_role_key.get_secret_value()}
    # RED metrics per route template (off with `[metrics] enabled = false`).
    metered = config.metrics.enabled
    prefixes = {mount.path for mount in mounts}
    return [
        # Outermost: the request's span, then its request id and access line inside it.
        Middleware(TracingMiddleware),
        *([Middleware(MetricsMiddleware, prefixes=prefixes)] if metered else []),
        Middleware(RequestLog, jwt_secret=settings.jwt_secret.get_secret_value()),
        Middleware(
            CORSMiddleware,
            **cors_options(settings.cors_origins, extra_exposed_headers=SUPABASE_EXPOSED_HEADERS),
        ),
        Middleware(ClientAddress),
        Middleware(
            ApiKeyGate, keys=keys, protected=key_auth_prefixes(config), open_paths=OPEN_AUTH_PATHS
        ),
        Middleware(BareMountPaths, prefixes=prefixes),
        *([Middleware(RouteProbe)] if metered else []),
    ]


def create_app(
    settings: StackSettings | None = None,
    mounts: list[Mount] | None = None,
    config: ProjectConfig | None = None,
) -> Starlette:
    """The gateway; `mounts` defaults to the platform's services and the configured functions."""
    stack_settings = settings or load_settings()
    project = config or load_project_config()
    tracing = configure_tracing("api")
    if mounts is None:
        mounts = service_mounts(stack_settings, project)
    if tracing:
        mounts = [traced_mount(mount) for mount in mounts]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            pool = AsyncConnectionPool(
                stack_settings.authenticator_url(), min_size=1, max_size=2, open=False
            )
            register_pool("gateway", pool)
            await pool.open(wait=False)
            stack.push_async_callback(pool.close)
            app.state.settings = stack_settings
            app.state.pool = pool
            app.state.http = await stack.enter_async_context(httpx.AsyncClient())
            for mount in mounts:
                await stack.enter_async_context(mount_lifespan(mount))
            yield

    # The API documentation site written by `rfl docs build` (404 until it is built).
    docs = Mount("/docs", DocsSite(site_dir(stack_settings)))
    routes = [Route("/health", health), Route("/ready", ready), docs, *mounts]
    return Starlette(
        routes=routes, middleware=middleware(stack_settings, mounts, project), lifespan=lifespan
    )


def traced_mount(mount: Mount) -> Mount:
    """The mount with a span named after its service (`rest`, `functions/dice`, …)."""
    name = mount.path.removesuffix("/v1").strip("/").replace("/v1/", "/")
    return Mount(mount.path, ServiceSpan(mount.app, name))


def serve_api() -> Starlette:
    """The factory `rfl up` serves: the gateway, logging JSON lines to its log file."""
    configure_logging("api")
    return create_app()


def mount_lifespan(mount: Mount) -> AbstractAsyncContextManager[None]:
    """The mounted app's own lifespan, which Starlette does not run for sub-applications."""
    app = mount.app
    # A function may be wrapped (e.g. by the JWT check); its own app is the innermost `.app`.
    while not isinstance(app, Starlette) and hasattr(app, "app"):
        app = app.app
    assert isinstance(app, Starlette)
    return app.router.lifespan_context(app)  # type: ignore[return-value]
