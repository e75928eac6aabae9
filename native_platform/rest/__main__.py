"""`python -m native_platform.rest [postgrest.conf]`: serve standalone, like PostgREST.

Standalone, the server answers CORS itself (PostgREST does); behind the gateway the gateway does.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import uvicorn
from starlette.middleware.cors import CORSMiddleware

from native_platform.rest import create_app, load_rest_settings

_EXPOSED = [
    "Content-Encoding",
    "Content-Location",
    "Content-Range",
    "Content-Type",
    "Date",
    "Location",
    "Server",
    "Transfer-Encoding",
    "Range-Unit",
]


def main(argv: list[str]) -> None:
    config = argv[1] if len(argv) > 1 else os.environ.get("PGRST_CONFIG")
    settings = load_rest_settings(Path(config) if config else None)
    app = create_app(settings)
    origins = [o.strip() for o in settings.server_cors_allowed_origins.split(",") if o.strip()]
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_credentials=True,
        allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS", "HEAD"],
        allow_headers=["*"],
        expose_headers=_EXPOSED,
        max_age=86400,
    )
    uvicorn.run(
        app,
        host=settings.server_host,
        port=settings.server_port,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main(sys.argv)
