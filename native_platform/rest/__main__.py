"""`python -m native_platform.rest [postgrest.conf]`: serve standalone, like PostgREST.

Standalone, the server answers CORS itself (PostgREST does); behind the gateway the gateway does.
Like PostgREST it believes no `X-Forwarded-*` header (uvicorn's proxy headers are off): the
client's scheme and address are the connection's. Which proxies to believe is the gateway's
setting (`FORWARDED_ALLOW_IPS`, docs/deployment.md); uvicorn's middleware for it was ~1.5% of
the standalone server's CPU per read (docs/performance.md, fourteenth session).

Several workers (`server-workers`) each listen on a socket of their own (ADR 0039).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from uvicorn.supervisors import Multiprocess

from native_platform.cors import CORSMiddleware, cors_options
from native_platform.rest import RestSettings, create_app, load_rest_settings
from native_platform.rest.http_protocol import CoalescingHttpToolsProtocol
from native_platform.rest.worker_listener import WorkerListener


def _settings(config: str | None) -> RestSettings:
    config = config or os.environ.get("PGRST_CONFIG")
    return load_rest_settings(Path(config) if config else None)


def _standalone(settings: RestSettings) -> Starlette:
    app = create_app(settings)
    origins = [o.strip() for o in settings.server_cors_allowed_origins.split(",") if o.strip()]
    app.add_middleware(CORSMiddleware, **cors_options(origins))
    return app


def app_from_environment() -> Starlette:
    """The standalone app, as a factory for several workers: `python -m uvicorn --factory
    --workers 2 --no-proxy-headers native_platform.rest.__main__:app_from_environment`
    (configured like `main`)."""
    return _standalone(_settings(None))


def main(argv: list[str]) -> None:
    if len(argv) > 1:
        os.environ["PGRST_CONFIG"] = argv[1]  # each worker process reads the same file
    settings = _settings(None)
    options: dict[str, Any] = {
        "http": CoalescingHttpToolsProtocol,
        "host": settings.server_host,
        "port": settings.server_port,
        "loop": "uvloop",
        "log_level": "warning",
        "access_log": False,
        "proxy_headers": False,
    }
    if settings.server_workers == 1:
        uvicorn.run(_standalone(settings), **options)
        return
    # Worker processes load the app from an import string, each its own.
    config = uvicorn.Config(
        "native_platform.rest.__main__:app_from_environment",
        factory=True,
        workers=settings.server_workers,
        **options,
    )
    try:
        listener = WorkerListener(config.host, config.port, config.backlog)
    except OSError as error:
        sys.exit(f"cannot listen on {config.host}:{config.port}: {error.strerror}")
    Multiprocess(config, sockets=[listener]).run()


if __name__ == "__main__":
    main(sys.argv)
