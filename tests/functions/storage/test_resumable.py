"""Resumable uploads (TUS 1.0.0 at /storage/v1/upload/resumable) driven by tuspy, a real TUS
client, through the gateway: a large map in 6 MiB chunks, an upload cut off mid-chunk and
resumed from HEAD's offset, termination, expiry, signed uploads, and the refusals."""

from __future__ import annotations

import base64
import io
import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from tusclient import client as tus
from tusclient.exceptions import TusCommunicationError

from functions.storage.resumable import decode_upload_id
from tests.functions.storage.conftest import PNG, World, row_count

MIB = 1024 * 1024
CHUNK = 6 * MIB  # what Supabase tells TUS clients to use


def png_of(size: int) -> bytes:
    return PNG[:8] + os.urandom(size - 8)


def tus_client(world: World, actor: str, **headers: str) -> tus.TusClient:
    return tus.TusClient(
        f"{world.storage_url}/upload/resumable",
        headers={"Authorization": f"Bearer {world.token(actor)}", **headers},
    )


def metadata(path: str, bucket: str = "campaign-maps", **extra: str) -> dict[str, str]:
    return {
        "bucketName": bucket,
        "objectName": path,
        "contentType": "image/png",
        "cacheControl": "3600",
        **extra,
    }


def tus_headers(world: World, actor: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.token(actor)}", "Tus-Resumable": "1.0.0", **extra}


def encode(values: dict[str, str]) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def create(world: World, actor: str, path: str, length: int, **extra: str) -> httpx.Response:
    headers = tus_headers(
        world, actor, **{"Upload-Length": str(length), "Upload-Metadata": encode(metadata(path))}
    )
    return world.http.post(f"{world.storage_url}/upload/resumable", headers={**headers, **extra})


def test_a_gm_uploads_a_large_map_in_six_mib_chunks(world: World) -> None:
    path = f"{world.campaign}/resumable/big.png"
    data = png_of(13 * MIB + 123)
    uploader = tus_client(world, "gm").uploader(
        file_stream=io.BytesIO(data),
        chunk_size=CHUNK,
        metadata=metadata(path, metadata='{"floor": 1}'),
    )
    uploader.upload()
    assert uploader.url is not None
    assert uploader.url.startswith(f"{world.storage_url}/upload/resumable/")
    gm = world.client("gm").storage.from_("campaign-maps")
    assert gm.download(path) == data
    info = gm.info(path)
    assert info["size"] == len(data)
    assert info["content_type"] == "image/png"
    assert info["cache_control"] == "max-age=3600"
    assert info["metadata"] == {"floor": 1}
    assert world.client("player").storage.from_("campaign-maps").download(path) == data
    # The upload is over: its URL names nothing any more, and no piece is left behind.
    assert world.http.head(uploader.url, headers=tus_headers(world, "gm")).status_code == 404
    assert not piece_of(world, uploader.url).exists()


def cut_off(data: bytes, after: int) -> Iterator[bytes]:
    yield data[:after]
    raise ConnectionAbortedError("the client went away")


def test_an_interrupted_upload_resumes_from_the_offset_head_reports(world: World) -> None:
    path = f"{world.campaign}/resumable/interrupted.png"
    data = png_of(2 * CHUNK + 1000)
    first = tus_client(world, "gm").uploader(
        file_stream=io.BytesIO(data), chunk_size=CHUNK, metadata=metadata(path)
    )
    first.upload_chunk()  # type: ignore[no-untyped-call]
    assert first.url is not None
    assert first.offset == CHUNK
    # The next chunk is cut off after 1 MiB: the connection drops mid-body.
    headers = tus_headers(
        world,
        "gm",
        **{"Upload-Offset": str(CHUNK), "Content-Type": "application/offset+octet-stream"},
    )
    with pytest.raises(Exception):  # noqa: B017 - whatever httpx raises for the abort
        world.http.patch(first.url, headers=headers, content=cut_off(data[CHUNK:], MIB))
    wait_until_settled(world, path, CHUNK)
    head = world.http.head(first.url, headers=tus_headers(world, "gm"))
    assert head.status_code == 200
    offset = int(head.headers["Upload-Offset"])
    assert CHUNK <= offset <= CHUNK + MIB
    assert head.headers["Upload-Length"] == str(len(data))
    assert row_count_of(world, path) == 0
    # A new client picks the upload up by its URL: tuspy asks HEAD for the offset.
    resumed = tus_client(world, "gm").uploader(
        file_stream=io.BytesIO(data), chunk_size=CHUNK, url=first.url
    )
    assert resumed.offset == offset
    resumed.upload()
    assert world.client("gm").storage.from_("campaign-maps").download(path) == data


def wait_until_settled(world: World, path: str, offset: int) -> None:
    """The server notices the dropped connection on its own time: wait until the cut-off
    PATCH has recorded what arrived (the offset moves past `offset` and the claim is gone),
    or, should nothing have arrived, until the upload has stayed unclaimed for a while."""
    deadline = time.monotonic() + 10
    quiet_since: float | None = None
    with psycopg.connect(world.dsn, autocommit=True) as db:
        while time.monotonic() < deadline:
            row = db.execute(
                "select patching_since is null, upload_offset from storage.resumable_uploads"
                " where name = %s",
                (path,),
            ).fetchone()
            assert row is not None
            if row[0] and row[1] > offset:
                return
            quiet_since = (quiet_since or time.monotonic()) if row[0] else None
            if quiet_since is not None and time.monotonic() - quiet_since > 3:
                return
            time.sleep(0.05)
    raise AssertionError("the interrupted PATCH never finished")


def piece_of(world: World, url: str) -> Path:
    """The file backend's temporary piece of the upload at `url`."""
    assert world.root is not None
    version = decode_upload_id(url.rsplit("/", 1)[1])[2]
    return world.root / "~tmp" / f"tus-{version}"


def row_count_of(world: World, path: str) -> int:
    with psycopg.connect(world.dsn, autocommit=True) as db:
        row = db.execute("select count(*) from storage.objects where name = %s", (path,)).fetchone()
    assert row is not None
    return int(row[0])


def test_the_protocol_headers_and_refusals(world: World) -> None:
    url = f"{world.storage_url}/upload/resumable"
    options = world.http.options(url)
    assert options.status_code == 204
    assert options.headers["Tus-Version"] == "1.0.0"
    assert "creation" in options.headers["Tus-Extension"].split(",")
    assert "termination" in options.headers["Tus-Extension"].split(",")
    path = f"{world.campaign}/resumable/headers.png"
    # No Tus-Resumable header → 412.
    refused = world.http.post(url, headers={"Authorization": f"Bearer {world.token('gm')}"})
    assert refused.status_code == 412
    created = create(world, "gm", path, 100)
    assert created.status_code == 201
    assert created.headers["Tus-Resumable"] == "1.0.0"
    assert "Upload-Expires" in created.headers
    location = created.headers["Location"]
    patch = {"Content-Type": "application/offset+octet-stream"}
    wrong_offset = world.http.patch(
        location,
        headers=tus_headers(world, "gm", **patch, **{"Upload-Offset": "10"}),
        content=b"x" * 10,
    )
    assert wrong_offset.status_code == 409
    too_long = world.http.patch(
        location,
        headers=tus_headers(world, "gm", **patch, **{"Upload-Offset": "0"}),
        content=PNG[:8] + b"x" * 200,
    )
    assert too_long.status_code == 413
    assert too_long.headers["content-type"].startswith("text/plain")
    # Another player neither sees nor writes the gm's upload.
    assert world.http.head(location, headers=tus_headers(world, "other")).status_code == 404
    sneaky = world.http.patch(
        location,
        headers=tus_headers(world, "other", **patch, **{"Upload-Offset": "0"}),
        content=PNG[:8],
    )
    assert sneaky.status_code == 404
    # Termination: the upload and its piece go.
    assert world.http.delete(location, headers=tus_headers(world, "gm")).status_code == 204
    assert world.http.head(location, headers=tus_headers(world, "gm")).status_code == 404
    assert not piece_of(world, location).exists()


@pytest.mark.parametrize(
    ("actor", "length", "extra", "status"),
    [
        ("player", 100, {}, 403),  # players do not write maps
        ("anon", 100, {}, 403),
        ("gm", 60 * MIB, {}, 413),  # over the bucket's 50 MB
        ("gm", 100, {"contentType": "image/svg+xml"}, 415),
    ],
)
def test_creation_is_checked_like_a_plain_upload(
    world: World, actor: str, length: int, extra: dict[str, str], status: int
) -> None:
    path = f"{world.campaign}/resumable/refused-{actor}-{status}.png"
    headers = tus_headers(
        world,
        actor,
        **{"Upload-Length": str(length), "Upload-Metadata": encode(metadata(path, **extra))},
    )
    response = world.http.post(f"{world.storage_url}/upload/resumable", headers=headers)
    assert response.status_code == status, response.text
    assert row_count_of(world, path) == 0


def test_an_existing_key_needs_x_upsert(world: World) -> None:
    path = f"{world.campaign}/resumable/twice.png"
    for size in (300, 400):
        upsert = {"x-upsert": "true"} if size == 400 else {}
        tus_client(world, "gm", **upsert).uploader(
            file_stream=io.BytesIO(png_of(size)), chunk_size=CHUNK, metadata=metadata(path)
        ).upload()
    assert world.client("gm").storage.from_("campaign-maps").info(path)["size"] == 400
    with pytest.raises(TusCommunicationError) as refused:
        tus_client(world, "gm").uploader(
            file_stream=io.BytesIO(png_of(500)), chunk_size=CHUNK, metadata=metadata(path)
        ).upload()
    assert refused.value.status_code == 409


def test_an_expired_upload_is_gone(world: World) -> None:
    path = f"{world.campaign}/resumable/expired.png"
    location = create(world, "gm", path, 100).headers["Location"]
    with psycopg.connect(world.dsn, autocommit=True) as db:
        db.execute(
            "update storage.resumable_uploads set expires_at = now() - interval '1 second'"
            " where name = %s",
            (path,),
        )
    assert world.http.head(location, headers=tus_headers(world, "gm")).status_code == 410


def test_a_signed_upload_url_works_resumably(world: World) -> None:
    path = f"{world.campaign}/resumable/signed.png"
    signed = world.client("gm").storage.from_("campaign-maps").create_signed_upload_url(path)
    data = png_of(CHUNK + 10)
    uploader = tus.TusClient(
        f"{world.storage_url}/upload/resumable/sign", headers={"x-signature": signed["token"]}
    ).uploader(file_stream=io.BytesIO(data), chunk_size=CHUNK, metadata=metadata(path))
    uploader.upload()
    assert world.client("gm").storage.from_("campaign-maps").download(path) == data
    with pytest.raises(TusCommunicationError):
        tus.TusClient(
            f"{world.storage_url}/upload/resumable/sign", headers={"x-signature": "forged"}
        ).uploader(
            file_stream=io.BytesIO(data), chunk_size=CHUNK, metadata=metadata(path + "x")
        ).upload()


def test_an_empty_upload_completes_at_creation(world: World) -> None:
    path = f"{world.campaign}/resumable/empty.txt"
    before = row_count(world, "handouts")
    headers = tus_headers(
        world,
        "gm",
        **{
            "Upload-Length": "0",
            "Upload-Metadata": encode(metadata(path, bucket="handouts", contentType="text/plain")),
        },
    )
    response = world.http.post(f"{world.storage_url}/upload/resumable", headers=headers)
    assert response.status_code == 201, response.text
    assert row_count(world, "handouts") == before + 1


def test_a_cache_control_not_in_ascii_digits_is_no_cache(world: World) -> None:
    """`cacheControl` "³" passes `str.isdigit()` but not `int()`: the upload still completes,
    with the default cache control, instead of failing with a 500."""
    path = f"{world.campaign}/resumable/superscript.png"
    data = png_of(1024)
    uploader = tus_client(world, "gm").uploader(
        file_stream=io.BytesIO(data), chunk_size=CHUNK, metadata=metadata(path, cacheControl="³")
    )
    uploader.upload()
    info = world.client("gm").storage.from_("campaign-maps").info(path)
    assert info["cache_control"] == "no-cache"
