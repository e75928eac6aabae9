"""CORS through the gateway: a browser on another origin can read the headers the storage
clients act on (a TUS upload's `Location` and `Upload-Offset`, a range's `Content-Range`)."""

from __future__ import annotations

import httpx

from tests.functions.storage.conftest import PNG, World
from tests.functions.storage.test_resumable import create

ORIGIN = "http://localhost:5173"


def exposed(headers: httpx.Headers) -> set[str]:
    value = headers.get("access-control-expose-headers", "")
    return {item.strip().lower() for item in value.split(",")}


def test_tus_creation_exposes_location_and_offset_to_browsers(world: World) -> None:
    """The creation answer names the upload in `Location`; tus-js-client must be able to read
    it and the TUS headers from a page on another origin."""
    answer = create(world, "gm", f"{world.campaign}/cors.png", 16, Origin=ORIGIN)
    assert answer.status_code == 201, answer.text
    assert answer.headers["access-control-allow-origin"] == ORIGIN
    names = exposed(answer.headers)
    for header in ("location", "upload-offset", "tus-resumable", "upload-expires", "x-upsert"):
        assert header in names, header


def test_range_download_exposes_content_range(world: World) -> None:
    """A partial download's `Content-Range` and `ETag` are readable cross-origin."""
    headers = {**world.headers("gm"), "Content-Type": "image/png", "Origin": ORIGIN}
    key = f"{world.campaign}/cors-range.png"
    uploaded = world.http.post(
        f"{world.storage_url}/object/campaign-maps/{key}", content=PNG, headers=headers
    )
    assert uploaded.status_code == 200, uploaded.text
    answer = world.http.get(
        f"{world.storage_url}/object/authenticated/campaign-maps/{key}",
        headers={**headers, "Range": "bytes=0-3"},
    )
    assert answer.status_code == 206
    assert {"content-range", "etag", "accept-ranges"} <= exposed(answer.headers)


def test_preflight_allows_the_tus_and_upsert_request_headers(world: World) -> None:
    """The preflight of a TUS PATCH lets the client send its own headers."""
    answer = world.http.options(
        f"{world.storage_url}/upload/resumable/some-id",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "upload-offset,tus-resumable,x-upsert,content-type",
        },
    )
    assert answer.status_code == 200
    allowed = answer.headers["access-control-allow-headers"].lower()
    for header in ("upload-offset", "tus-resumable", "x-upsert"):
        assert header in allowed
