"""The dice service: `create_app()` is mounted by the gateway at `/functions/v1/dice`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from functions.common.db import open_pool
from functions.dice.config import DiceSettings, get_settings
from functions.dice.errors import install_error_handlers
from functions.dice.routes import learning, odds, rolls, seeds, verify

__all__ = ["create_app"]

DESCRIPTION = """Provably-fair dice for campaigns.

Each campaign commits to a secret server seed by publishing its SHA-256. A roll draws its dice
from HMAC-SHA256(server seed, `client_seed:nonce`) without modulo bias; rotating the seed
reveals it, so anyone who can read the campaign can recompute every roll made with it.
Errors use PostgREST's shape `{code, message, details, hint}`.
"""


def create_app(settings: DiceSettings | None = None) -> FastAPI:
    """The service; tests pass their own settings (their database's login DSN)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        config = settings or get_settings()
        app.state.pool = await open_pool(config.database_url.get_secret_value(), "dice")
        try:
            yield
        finally:
            await app.state.pool.close()

    app = FastAPI(title="Dice", description=DESCRIPTION, version="1.0.0", lifespan=lifespan)
    if settings is not None:
        app.dependency_overrides[get_settings] = lambda: settings
    install_error_handlers(app)
    for module in (rolls, odds, seeds, verify, learning):
        app.include_router(module.router)
    return app
