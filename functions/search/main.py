"""The search function: `create_app()` is mounted by the gateway at `/functions/v1/search`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from functions.common.config import ContentSettings, get_config
from functions.common.db import open_pool
from functions.common.errors import install_error_handlers
from functions.common.typesense_client import make_client
from functions.search.routes import keys, query

__all__ = ["create_app"]


def create_app(config: ContentSettings | None = None) -> FastAPI:
    """Scoped keys and server-side search; tests pass their own configuration."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings = config or get_config()
        app.state.pool = await open_pool(settings.database_url.get_secret_value(), "search")
        app.state.typesense = make_client(settings, timeout=5.0)
        app.state.parent_keys = {}
        try:
            yield
        finally:
            app.state.typesense.api_call.close()
            await app.state.pool.close()

    app = FastAPI(title="Content search", lifespan=lifespan)
    if config is not None:
        app.dependency_overrides[get_config] = lambda: config
    install_error_handlers(app)
    app.include_router(keys.router)
    app.include_router(query.router)
    return app
