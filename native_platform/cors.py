"""CORS as PostgREST answers it, shared by the gateway and the standalone REST server."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.middleware import cors
from starlette.types import Message, Receive, Scope, Send

__all__ = ["STORAGE_EXPOSED_HEADERS", "CORSMiddleware", "cors_options"]

POSTGREST_EXPOSED_HEADERS = (
    "Content-Encoding",
    "Content-Location",
    "Content-Range",
    "Content-Type",
    "Date",
    "Location",
    "Server",
    "Transfer-Encoding",
    "Range-Unit",
)
# What the storage clients read from a cross-origin answer (supabase-storage's own CORS list):
# ranges and caching, TUS (tus-js-client follows `Location`, resumes from `Upload-Offset`),
# the upsert flag and the transformations applied.
STORAGE_EXPOSED_HEADERS = (
    "Accept-Ranges",
    "Cache-Control",
    "Content-Disposition",
    "Content-Length",
    "ETag",
    "Last-Modified",
    "Tus-Extension",
    "Tus-Max-Size",
    "Tus-Resumable",
    "Tus-Version",
    "Upload-Expires",
    "Upload-Length",
    "Upload-Metadata",
    "Upload-Offset",
    "X-Transformations",
    "x-upsert",
)


def cors_options(
    allow_origins: list[str] | None = None, extra_exposed_headers: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Keyword arguments for Starlette's CORSMiddleware; no origin list means any origin."""
    origins: dict[str, Any] = (
        {"allow_origin_regex": ".*"} if allow_origins is None else {"allow_origins": allow_origins}
    )
    return {
        **origins,
        "allow_credentials": True,
        "allow_methods": ["GET", "HEAD", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"],
        "allow_headers": ["*"],
        "expose_headers": [
            *POSTGREST_EXPOSED_HEADERS,
            *STORAGE_EXPOSED_HEADERS,
            *extra_exposed_headers,
        ],
        "max_age": 86400,
    }


class CORSMiddleware(cors.CORSMiddleware):
    """Starlette's CORS middleware, answering byte for byte as it does, with a short way for
    the requests that name no `Origin` (servers, scripts, mobile apps: most of the traffic).

    For such a request Starlette reads the request's headers into a `Headers` (twice) and the
    answer's into a `MutableHeaders` only to add `Vary: Origin`. Here the raw header lists are
    scanned as bytes, and an answer that already varies on something goes through Starlette's
    own merge: the standalone REST server's CPU per read fell by ~3.5% (docs/performance.md,
    fifteenth session).
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or any(name == b"origin" for name, _ in scope["headers"]):
            await super().__call__(scope, receive, send)
            return

        async def send_varying_on_origin(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message["headers"] = list(message.get("headers", ()))
                if any(name.lower() == b"vary" for name, _ in headers):
                    varying = MutableHeaders(scope=message)
                    varying["Vary"] = ", ".join([*varying.getlist("Vary"), "Origin"])
                else:
                    headers.append((b"vary", b"Origin"))
            await send(message)

        await self.app(scope, receive, send_varying_on_origin)
