"""Run the auth API standalone: `python -m native_platform.auth [--port N]`.

Configured from `AUTH_*` variables when AUTH_DATABASE_URL is set, else from the stack's env file.
"""

from __future__ import annotations

import argparse
import os

import uvicorn

from native_platform.auth import AuthSettings, create_app
from native_platform.rest.http_protocol import CoalescingHttpToolsProtocol
from native_platform.settings import load_settings


def load_auth_settings() -> AuthSettings:
    if os.environ.get("AUTH_DATABASE_URL"):
        return AuthSettings()  # type: ignore[call-arg]
    return AuthSettings.from_stack(load_settings())


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m native_platform.auth")
    parser.add_argument("--port", type=int, help="listen port (default: AUTH_PORT or 9999)")
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning"])
    arguments = parser.parse_args()
    settings = load_auth_settings()
    port = arguments.port or settings.port
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=port,
        log_level=arguments.log_level,
        http=CoalescingHttpToolsProtocol,
        # Else uvicorn takes X-Forwarded-For from loopback peers as the client address.
        proxy_headers=settings.trust_forwarded_for,
    )


main()
