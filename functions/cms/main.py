"""The CMS function: `create_app()` is mounted by the gateway at `/functions/v1/cms`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from functions.cms.errors import IngestError
from functions.cms.media import MediaSettings, get_media_settings
from functions.cms.routes import webhook
from functions.common.config import ContentSettings, get_config
from functions.common.db import open_pool
from functions.common.errors import ApiError, install_error_handlers

__all__ = ["create_app"]


def _refused(error: IngestError) -> ApiError:
    return ApiError(error.status, "content_rejected", error.message)


def create_app(
    config: ContentSettings | None = None, media: MediaSettings | None = None
) -> FastAPI:
    """The webhook app; tests pass their own configuration (and where the storage service and
    Strapi's files are, for media events), the gateway uses the stack's."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings = config or get_config()
        app.state.pool = await open_pool(
            settings.database_url.get_secret_value(), "cms", max_size=4
        )
        try:
            yield
        finally:
            await app.state.pool.close()

    app = FastAPI(title="CMS ingestion", lifespan=lifespan)
    if config is not None:
        app.dependency_overrides[get_config] = lambda: config
    if media is not None:
        app.dependency_overrides[get_media_settings] = lambda: media
    install_error_handlers(app, extra={IngestError: _refused})
    app.include_router(webhook.router)
    return app
