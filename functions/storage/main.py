"""The storage service: `create_app()` is mounted by the gateway at `/storage/v1` through the
`[services.storage]` block of supabase/config.toml (the platform never imports it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from functions.storage.backends import make_backend
from functions.storage.config import StorageSettings, get_settings
from functions.storage.db import Database
from functions.storage.errors import install_error_handlers
from functions.storage.objects import Objects
from functions.storage.operations import set_operation
from functions.storage.render import RenderCache
from functions.storage.resumable import Resumable
from functions.storage.routes import buckets, objects, render, resumable, signed
from functions.storage.signing import UrlSigner
from native_platform.caller import stack_verifier

__all__ = ["create_app"]

DESCRIPTION = """Supabase Storage-compatible media storage: buckets, objects, signed URLs.

Metadata lives in `storage.buckets` / `storage.objects`; every object statement runs as the
caller so RLS decides; bytes live in the configured backend (a folder, or S3-compatible).
Errors use the Storage API's shape `{statusCode, error, message, code}`.
"""


def create_app(settings: StorageSettings | None = None) -> FastAPI:
    """The service; tests pass their own settings (database, backend)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        config = settings or get_settings()
        db = Database(
            config.database_url.get_secret_value(),
            config.statement_timeout_ms,
            config.pool_max_size,
        )
        backend = make_backend(config)
        await backend.start()
        await db.open()
        secret = config.jwt_secret.get_secret_value()
        app.state.db = db
        app.state.backend = backend
        app.state.objects = Objects(db, backend, config)
        app.state.resumable = Resumable(db, backend, app.state.objects, config)
        app.state.render_cache = RenderCache(config, backend)
        app.state.signer = UrlSigner(secret)
        app.state.verifier = stack_verifier(secret)
        try:
            yield
        finally:
            await db.close()
            await backend.close()

    app = FastAPI(
        title="Storage",
        description=DESCRIPTION,
        version="1.0.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(set_operation)],
    )
    if settings is not None:
        app.dependency_overrides[get_settings] = lambda: settings
    install_error_handlers(app)

    @app.get("/status")
    async def status() -> dict[str, str]:
        return {"status": "ok"}

    for module in (buckets, signed, objects, resumable, render):
        app.include_router(module.router)
    return app
