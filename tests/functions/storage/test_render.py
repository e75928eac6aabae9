"""Image transformations through storage3 (`download(…, {"transform": …})`, signed URLs with
`transform`, public render URLs): sizes per resize mode, formats, bounds, RLS, and the cache
(kept per object version, dropped when the object is overwritten)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from storage3.exceptions import StorageApiError

from tests.functions.storage.conftest import World, put


def picture(width: int, height: int, fmt: str = "PNG", color: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, fmt)
    return out.getvalue()


def opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


@pytest.fixture(scope="module")
def map_path(world: World) -> str:
    path = f"{world.campaign}/render/wide.png"
    put(world, "gm", "campaign-maps", path, picture(400, 200), "image/png")
    return path


@pytest.mark.parametrize(
    ("transform", "size"),
    [
        ({"width": 100, "height": 100}, (100, 100)),  # cover (default): cropped to fill
        ({"width": 100, "height": 100, "resize": "contain"}, (100, 50)),
        ({"width": 100, "height": 100, "resize": "fill"}, (100, 100)),
        ({"width": 100}, (100, 50)),
        ({"height": 50}, (100, 50)),
        ({"width": 5000, "height": 10, "resize": "fill"}, (2000, 10)),  # bounded to 2000
    ],
)
def test_download_with_a_transform(
    world: World, map_path: str, transform: dict[str, Any], size: tuple[int, int]
) -> None:
    bucket = world.client("player").storage.from_("campaign-maps")
    image = opened(bucket.download(map_path, {"transform": transform}))  # type: ignore[arg-type]
    assert image.size == size
    assert image.format == "PNG"  # format origin keeps the source's


def test_formats_and_quality(world: World, map_path: str) -> None:
    url = f"{world.storage_url}/render/image/authenticated/campaign-maps/{map_path}"
    headers = world.headers("gm")
    webp = world.http.get(url, params={"width": 40, "format": "webp"}, headers=headers)
    assert webp.headers["content-type"] == "image/webp"
    assert opened(webp.content).format == "WEBP"
    low = world.http.get(
        url, params={"width": 200, "format": "jpeg", "quality": 20}, headers=headers
    )
    high = world.http.get(
        url, params={"width": 200, "format": "jpeg", "quality": 100}, headers=headers
    )
    assert opened(low.content).format == "JPEG"
    assert len(low.content) <= len(high.content)
    # A browser that accepts WebP gets WebP when no format is named.
    auto = world.http.get(
        url, params={"width": 40}, headers={**headers, "Accept": "image/webp,*/*"}
    )
    assert auto.headers["content-type"] == "image/webp"
    bad = world.http.get(url, params={"resize": "stretch"}, headers=headers)
    assert bad.json()["statusCode"] == "400"


def test_rls_decides_who_renders(world: World, map_path: str) -> None:
    other = world.client("other").storage.from_("campaign-maps")
    with pytest.raises(StorageApiError) as refused:
        other.download(map_path, {"transform": {"width": 10}})
    assert refused.value.status == "404"


def test_a_public_avatar_renders_through_its_public_url(world: World) -> None:
    path = f"{world.users['player']}/render-face.png"
    put(world, "player", "avatars", path, picture(300, 300, color="blue"), "image/png")
    bucket = world.client("anon").storage.from_("avatars")
    url = bucket.get_public_url(path, {"transform": {"width": 50, "height": 50}})
    assert "/render/image/public/avatars/" in url
    response = world.http.get(url)
    assert response.status_code == 200
    assert opened(response.content).size == (50, 50)


def test_a_signed_url_fixes_its_transformation(world: World, map_path: str) -> None:
    gm = world.client("gm").storage.from_("campaign-maps")
    signed = gm.create_signed_url(
        map_path, 60, {"transform": {"width": 64, "height": 64, "resize": "contain"}}
    )["signedURL"]
    assert signed is not None
    assert "/render/image/sign/campaign-maps/" in signed
    assert opened(world.http.get(signed).content).size == (64, 32)
    # Query parameters cannot change what the token fixes…
    assert opened(world.http.get(signed + "&width=400&height=400").content).size == (64, 32)
    # …nor can the token fetch the original.
    original = signed.replace("/render/image/sign/", "/object/sign/")
    assert world.http.get(original).json()["code"] == "InvalidSignature"


def test_renderings_are_cached_per_version_and_dropped_on_overwrite(world: World) -> None:
    path = f"{world.campaign}/render/changing.png"
    put(world, "gm", "campaign-maps", path, picture(200, 100), "image/png")
    url = f"{world.storage_url}/render/image/authenticated/campaign-maps/{path}"
    headers = world.headers("gm")
    first = world.http.get(url, params={"width": 20}, headers=headers)
    again = world.http.get(url, params={"width": 20}, headers=headers)
    assert first.headers["etag"] == again.headers["etag"]
    assert first.content == again.content
    cache = cache_root(world)
    version = first.headers["etag"].strip('"')[:36]
    assert list((cache / version).iterdir())
    not_modified = world.http.get(
        url, params={"width": 20}, headers={**headers, "If-None-Match": first.headers["etag"]}
    )
    assert not_modified.status_code == 304
    put(world, "gm", "campaign-maps", path, picture(100, 100), "image/png")
    after = world.http.get(url, params={"width": 20}, headers=headers)
    assert after.headers["etag"] != first.headers["etag"]
    assert opened(after.content).size == (20, 20)
    assert not (cache / version).exists()


def test_what_is_not_an_image_is_not_rendered(world: World) -> None:
    path = f"{world.campaign}/render/notes.txt"
    put(world, "gm", "handouts", path, b"just words", "text/plain")
    handouts = world.client("gm").storage.from_("handouts")
    with pytest.raises(StorageApiError) as refused:
        handouts.download(path, {"transform": {"width": 10}})
    assert refused.value.status == "400"


def cache_root(world: World) -> Path:
    assert world.root is not None
    return world.root.with_name(world.root.name + "-render-cache")
