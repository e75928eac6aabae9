"""A throwaway edge function the tests declare in a config.toml of their own."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

__all__ = ["create_app"]


async def echo(request: Request) -> JSONResponse:
    return JSONResponse({"path": request.url.path, "body": (await request.body()).decode()})


def create_app() -> Starlette:
    return Starlette(routes=[Route("/{rest:path}", echo, methods=["GET", "POST"])])
