"""The S3 backend against moto's standalone S3 server (started here on a free loopback port):
the same API through storage3, multipart uploads streamed in parts, nothing left on refusal."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer
from pydantic import SecretStr

from functions.storage.config import S3Settings
from native_platform.settings import StackSettings
from tests.functions.storage.conftest import (
    PNG,
    World,
    served_world,
    storage_settings_for,
)
from tests.functions.storage.test_resumable import (
    CHUNK,
    cut_off,
    metadata,
    png_of,
    tus_client,
    tus_headers,
    wait_until_settled,
)
from tests.helpers.servers import free_port

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def s3_settings() -> Iterator[S3Settings]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield S3Settings(
            bucket="rfl-test-storage",
            endpoint_url=f"http://127.0.0.1:{port}",
            access_key_id=SecretStr("testing"),
            secret_access_key=SecretStr("testing"),
            part_size=5 * MIB,
        )
    finally:
        server.stop()


@pytest.fixture(scope="module")
def s3_world(
    stack_settings: StackSettings,
    storage_db_dsn: str,
    s3_settings: S3Settings,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[World]:
    root = tmp_path_factory.mktemp("unused")
    settings = storage_settings_for(stack_settings, storage_db_dsn, root, s3=s3_settings)
    with served_world(stack_settings, storage_db_dsn, settings) as served:
        yield served


def s3_state(settings: S3Settings) -> tuple[list[str], list[Any]]:
    client = boto3.client(
        "s3",
        endpoint_url=settings.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    try:
        listed = client.list_objects_v2(Bucket=settings.bucket).get("Contents", [])
        uploads = client.list_multipart_uploads(Bucket=settings.bucket).get("Uploads", [])
        return sorted(item["Key"] for item in listed), list(uploads)
    finally:
        client.close()


def test_a_portrait_round_trips_through_s3(s3_world: World, s3_settings: S3Settings) -> None:
    path = f"{s3_world.users['player']}/portrait.png"
    bucket = s3_world.client("player").storage.from_("avatars")
    bucket.upload(path, PNG, {"content-type": "image/png"})
    assert s3_world.http.get(bucket.get_public_url(path)).content == PNG
    keys, _ = s3_state(s3_settings)
    assert any(key.startswith(f"avatars/{path}/") for key in keys)
    bucket.remove([path])
    assert not any(key.startswith(f"avatars/{path}/") for key in s3_state(s3_settings)[0])


def test_a_large_map_goes_up_in_parts_and_ranges_come_back(
    s3_world: World, s3_settings: S3Settings
) -> None:
    body = PNG + bytes(range(256)) * (12 * 4096)  # about 12 MiB: three parts of 5 MiB
    path = f"{s3_world.campaign}/large.png"
    gm = s3_world.client("gm").storage.from_("campaign-maps")
    gm.upload(path, body, {"content-type": "image/png"})
    assert gm.download(path) == body
    url = f"{s3_world.storage_url}/object/authenticated/campaign-maps/{path}"
    ranged = s3_world.http.get(
        url, headers={**s3_world.headers("gm"), "Range": "bytes=6000000-6000099"}
    )
    assert ranged.status_code == 206
    assert ranged.content == body[6000000:6000100]
    assert s3_state(s3_settings)[1] == []


def test_an_oversized_upload_leaves_nothing_in_s3(s3_world: World, s3_settings: S3Settings) -> None:
    """avatars allow 2 MB: the refused body leaves no object and no open multipart upload."""
    before = s3_state(s3_settings)

    def chunks() -> Iterator[bytes]:
        yield PNG
        for _ in range(64):
            yield b"\0" * 65536

    url = f"{s3_world.storage_url}/object/avatars/{s3_world.users['player']}/big.png"
    headers = {**s3_world.headers("player"), "Content-Type": "image/png"}
    response = s3_world.http.post(url, content=chunks(), headers=headers)
    assert response.json()["statusCode"] == "413"
    assert s3_state(s3_settings) == before


def test_a_resumable_upload_goes_up_as_a_multipart_upload_and_resumes(
    s3_world: World, s3_settings: S3Settings
) -> None:
    """TUS into S3: 6 MiB PATCHes become 5 MiB parts, the rest waits in a small pending object;
    a PATCH cut off mid-body keeps what arrived; completion leaves one object and nothing open."""
    path = f"{s3_world.campaign}/resumable-s3.png"
    data = png_of(2 * CHUNK + 4321)
    first = tus_client(s3_world, "gm").uploader(
        file_stream=io.BytesIO(data), chunk_size=CHUNK, metadata=metadata(path)
    )
    first.upload_chunk()  # type: ignore[no-untyped-call]
    assert first.url is not None
    keys, uploads = s3_state(s3_settings)
    assert len(uploads) == 1  # the multipart upload is open, one 5 MiB part in
    assert [key for key in keys if key.startswith("~tmp/tus-")]
    headers = tus_headers(
        s3_world,
        "gm",
        **{"Upload-Offset": str(CHUNK), "Content-Type": "application/offset+octet-stream"},
    )
    with pytest.raises(Exception):  # noqa: B017 - whatever httpx raises for the abort
        s3_world.http.patch(first.url, headers=headers, content=cut_off(data[CHUNK:], MIB))
    wait_until_settled(s3_world, path, CHUNK)
    resumed = tus_client(s3_world, "gm").uploader(
        file_stream=io.BytesIO(data), chunk_size=CHUNK, url=first.url
    )
    assert resumed.offset >= CHUNK
    resumed.upload()
    assert s3_world.client("gm").storage.from_("campaign-maps").download(path) == data
    keys, uploads = s3_state(s3_settings)
    assert uploads == []
    assert not [key for key in keys if key.startswith("~tmp/")]
    assert len([key for key in keys if key.startswith(f"campaign-maps/{path}/")]) == 1


def test_a_body_refused_after_several_parts_aborts_the_multipart_upload(
    s3_world: World, s3_settings: S3Settings
) -> None:
    """Parts go up while the body streams in; once the size limit is passed mid-body (after
    two whole parts were sent), the 413 aborts the multipart upload: nothing stays in S3."""
    service = s3_world.headers("service")
    created = s3_world.http.post(
        f"{s3_world.storage_url}/bucket",
        headers=service,
        json={"name": "s3-parts", "file_size_limit": 12 * MIB},
    )
    assert created.status_code == 200, created.text
    before = s3_state(s3_settings)

    def chunks() -> Iterator[bytes]:
        for _ in range(20 * 16):  # 20 MiB in 64 KiB chunks
            yield b"\0" * 65536

    response = s3_world.http.post(
        f"{s3_world.storage_url}/object/s3-parts/big.bin",
        content=chunks(),
        headers={**service, "Content-Type": "application/octet-stream"},
    )
    assert response.json()["statusCode"] == "413"
    assert s3_state(s3_settings) == before
    fits = b"\1" * (11 * MIB)  # three parts, the last one short
    stored = s3_world.http.post(
        f"{s3_world.storage_url}/object/s3-parts/fits.bin",
        content=fits,
        headers={**service, "Content-Type": "application/octet-stream"},
    )
    assert stored.status_code == 200, stored.text
    back = s3_world.http.get(
        f"{s3_world.storage_url}/object/authenticated/s3-parts/fits.bin", headers=service
    )
    assert back.content == fits
    # The ETag is S3's own, as upstream records it (a multipart upload's: "<md5>-<parts>").
    info = s3_world.http.get(
        f"{s3_world.storage_url}/object/info/authenticated/s3-parts/fits.bin", headers=service
    )
    assert info.json()["etag"].endswith('-3"')
    assert back.headers["etag"] == info.json()["etag"]
    assert s3_state(s3_settings)[1] == []
