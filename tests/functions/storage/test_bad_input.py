"""Hostile input gets the Storage API's error shape and status, and leaves nothing behind:
no row, no file (not even a temporary one)."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import httpx
import jwt
import pytest

from tests.functions.storage.conftest import PNG, World, put, row_count, stored_files


def error_of(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert set(body) == {"statusCode", "error", "message", "code"}
    return body


def upload_raw(
    world: World, actor: str, bucket: str, raw_path: str, body: bytes, mime: str = "image/png"
) -> httpx.Response:
    url = f"{world.storage_url}/object/{bucket}/{raw_path}"
    headers = {**world.headers(actor), "Content-Type": mime}
    return world.http.post(url, content=body, headers=headers)


def nothing_written(world: World, bucket: str, before: int, files: int) -> None:
    assert row_count(world, bucket) == before
    assert world.root is not None
    assert len(stored_files(world.root)) == files


@pytest.mark.parametrize(
    "raw_key",
    [
        "../../etc/passwd",
        "%2e%2e/%2e%2e/escape.png",
        "a/%2e%2e/b.png",
        "nul%00byte.png",
        "x" * 1100 + ".png",
        "caf%C3%A9.png",
        "%EF%BC%8E%EF%BC%8E/fullwidth-dots.png",
        "double//slash.png",
    ],
)
def test_odd_keys_are_refused_and_nothing_is_written(world: World, raw_key: str) -> None:
    assert world.root is not None
    before, files = row_count(world, "avatars"), len(stored_files(world.root))
    folder = world.users["player"]
    response = upload_raw(world, "player", "avatars", f"{folder}/{raw_key}", PNG)
    assert response.status_code in (400, 404)
    if response.status_code == 400:
        # httpx resolves literal dot segments itself, so those reach another bucket name.
        assert error_of(response)["code"] in ("InvalidKey", "NoSuchBucket")
    nothing_written(world, "avatars", before, files)


def test_a_lying_mime_type_is_refused(world: World) -> None:
    assert world.root is not None
    before, files = row_count(world, "avatars"), len(stored_files(world.root))
    script = b"<svg onload=alert(1)>" + b" " * 100
    response = upload_raw(world, "player", "avatars", f"{world.users['player']}/x.png", script)
    assert response.status_code == 400
    assert error_of(response)["statusCode"] == "415"
    svg = upload_raw(
        world, "player", "avatars", f"{world.users['player']}/x.svg", script, "image/svg+xml"
    )
    assert error_of(svg) == {
        "statusCode": "415",
        "error": "invalid_mime_type",
        "message": "mime type image/svg+xml is not supported",
        "code": "InvalidMimeType",
    }
    nothing_written(world, "avatars", before, files)


def test_an_oversized_body_is_refused_while_reading(world: World) -> None:
    """avatars are at most 2 MB; a 3 MB streamed body (no length) stops with 413."""
    assert world.root is not None
    before, files = row_count(world, "avatars"), len(stored_files(world.root))

    def body() -> Any:
        yield PNG
        for _ in range(48):
            yield b"\0" * 65536

    url = f"{world.storage_url}/object/avatars/{world.users['player']}/big.png"
    headers = {**world.headers("player"), "Content-Type": "image/png"}
    response = world.http.post(url, content=body(), headers=headers)
    assert response.status_code == 400
    assert error_of(response)["statusCode"] == "413"
    nothing_written(world, "avatars", before, files)


def test_another_users_folder_is_refused(world: World) -> None:
    assert world.root is not None
    before, files = row_count(world, "avatars"), len(stored_files(world.root))
    response = upload_raw(world, "player", "avatars", f"{world.users['gm']}/me.png", PNG)
    assert response.status_code == 400
    assert error_of(response) == {
        "statusCode": "403",
        "error": "Unauthorized",
        "message": 'new row violates row-level security policy for table "objects"',
        "code": "AccessDenied",
    }
    nothing_written(world, "avatars", before, files)


def test_an_existing_key_without_upsert_is_a_conflict(world: World) -> None:
    path = f"{world.users['player']}/twice.png"
    put(world, "player", "avatars", path, PNG, "image/png")
    response = upload_raw(world, "player", "avatars", path, PNG)
    assert error_of(response)["statusCode"] == "409"
    assert error_of(response)["error"] == "Duplicate"


def test_expired_and_altered_signed_urls_are_refused(world: World) -> None:
    path = f"{world.campaign}/signed.png"
    put(world, "gm", "campaign-maps", path, PNG, "image/png")
    gm = world.client("gm").storage.from_("campaign-maps")
    signed = gm.create_signed_url(path, 60)["signedURL"]
    assert signed is not None
    url, _, token = signed.partition("?token=")
    header, claims, signature = token.split(".")
    decoded = jwt.decode(token, options={"verify_signature": False})
    forged_claims = {**decoded, "url": f"campaign-maps/{world.campaign}/other.png"}
    forged = base64.urlsafe_b64encode(json.dumps(forged_claims).encode()).rstrip(b"=")
    altered = f"{url}?token={header}.{forged.decode()}.{signature}"
    assert error_of(world.http.get(altered))["code"] == "InvalidJWT"
    other_path = url.replace("signed.png", "dungeon.png")
    assert error_of(world.http.get(f"{other_path}?token={token}"))["code"] == "InvalidSignature"
    api_token = world.token("service")
    assert error_of(world.http.get(f"{url}?token={api_token}"))["code"] == "InvalidJWT"
    expired = gm.create_signed_url(path, 1)["signedURL"]
    assert expired is not None
    time.sleep(2.1)
    assert error_of(world.http.get(expired))["code"] == "ExpiredToken"


def test_bad_tokens_and_unknown_routes_answer_in_the_storage_shape(world: World) -> None:
    bad = world.http.get(
        f"{world.storage_url}/bucket", headers={"Authorization": "Bearer not.a.jwt"}
    )
    assert bad.status_code == 400
    assert error_of(bad)["code"] == "AccessDenied"
    missing = world.http.get(f"{world.storage_url}/nowhere")
    assert missing.status_code == 404
    assert error_of(missing)["message"] == "Route GET:/storage/v1/nowhere not found"


def test_a_private_bucket_is_not_served_publicly(world: World) -> None:
    path = f"{world.campaign}/private.png"
    put(world, "gm", "campaign-maps", path, PNG, "image/png")
    response = world.http.get(f"{world.storage_url}/object/public/campaign-maps/{path}")
    assert error_of(response)["code"] == "NoSuchBucket"
    listing = world.http.post(
        f"{world.storage_url}/object/list/campaign-maps",
        json={"prefix": str(world.campaign)},
        headers=world.headers("anon"),
    )
    assert listing.json() == []
