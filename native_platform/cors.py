"""CORS as PostgREST answers it, shared by the gateway and the standalone REST server."""

from __future__ import annotations

from typing import Any

__all__ = ["STORAGE_EXPOSED_HEADERS", "cors_options"]

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
