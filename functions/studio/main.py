"""The studio: `create_app()` is mounted by the gateway at `/studio` through the
`[services.studio]` block of supabase/config.toml (the platform never imports it).

Every page talks to the stack through its public APIs as the signed-in user, so RLS decides what
each role sees and may change; only the users page uses the service role, after the database
confirmed the caller holds the admin app role (docs/adr/0013-studio-through-public-apis.md).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from functions.studio import pages
from functions.studio.api import StackApi
from functions.studio.config import StudioSettings, get_settings
from functions.studio.session import SessionBox
from functions.studio.web import signed_in

__all__ = ["create_app"]

BOTH = ["GET", "POST"]


def create_app(settings: StudioSettings | None = None) -> Starlette:
    """The console; tests pass their own settings (the gateway's URL, the keys)."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        config = settings or get_settings()
        async with httpx.AsyncClient(timeout=30) as http:
            app.state.config = config
            app.state.api = StackApi(config, http)
            app.state.box = SessionBox(config.fernet_key())
            yield

    routes = [
        Route("/login", pages.login, methods=BOTH),
        Route("/logout", signed_in(pages.logout), methods=["POST"]),
        Route("/", signed_in(pages.home)),
        Route("/tables", signed_in(pages.table_list)),
        Route("/tables/{table}", signed_in(pages.rows)),
        Route("/tables/{table}/{mode:str}", signed_in(pages.edit), methods=BOTH),
        Route("/users", signed_in(pages.users, admin_only=True), methods=BOTH),
        Route("/campaigns", signed_in(pages.campaigns), methods=BOTH),
        Route("/campaigns/members", signed_in(pages.remove_member), methods=["POST"]),
        Route("/campaigns/rolls", signed_in(pages.hide_purpose), methods=["POST"]),
        Route("/content", signed_in(pages.content), methods=BOTH),
        Route("/content/packs", signed_in(pages.pack_action), methods=["POST"]),
        Route("/audit", signed_in(pages.audit), methods=BOTH),
        Route("/system", signed_in(pages.system_page, admin_only=True)),
        Mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static"),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
