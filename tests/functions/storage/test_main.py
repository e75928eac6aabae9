"""The storage service end to end through supabase-py (storage3), behind the gateway."""

from __future__ import annotations

import time

import pytest
from storage3.exceptions import StorageApiError

from tests.functions.storage.conftest import PNG, World, put


def test_a_player_uploads_a_portrait_and_anyone_downloads_it(world: World) -> None:
    """A player writes `avatars/<uid>/…`; the public URL serves it without any token."""
    path = f"{world.users['player']}/portrait.png"
    bucket = world.client("player").storage.from_("avatars")
    assert bucket.upload(path, PNG, {"content-type": "image/png"}).path == path
    response = world.http.get(bucket.get_public_url(path))
    assert response.status_code == 200
    assert response.content == PNG
    assert response.headers["content-type"] == "image/png"
    assert response.headers["etag"].startswith('"')
    assert bucket.download(path) == PNG
    assert bucket.info(path)["size"] == len(PNG)
    assert bucket.exists(path)
    assert not bucket.exists(f"{world.users['player']}/missing.png")


def test_a_gm_shares_a_map_through_a_signed_url(world: World) -> None:
    """The gm signs a map; anyone holding the URL downloads it until it expires."""
    path = f"{world.campaign}/dungeon.png"
    put(world, "gm", "campaign-maps", path, PNG, "image/png")
    gm = world.client("gm").storage.from_("campaign-maps")
    signed = gm.create_signed_url(path, 60)["signedURL"]
    assert signed is not None
    assert world.http.get(signed).content == PNG
    batch = gm.create_signed_urls([path, f"{world.campaign}/none.png"], 60)
    assert batch[0]["signedURL"] and batch[1]["signedURL"] is None
    download = world.http.get(signed + "&download=map.png")
    assert download.headers["content-disposition"].startswith("attachment; filename=map.png")
    other = world.client("other").storage.from_("campaign-maps")
    with pytest.raises(StorageApiError):
        other.create_signed_url(path, 60)


def test_a_range_request_gets_part_of_the_object(world: World) -> None:
    path = f"{world.campaign}/ranged.png"
    put(world, "gm", "campaign-maps", path, PNG, "image/png")
    url = f"{world.storage_url}/object/authenticated/campaign-maps/{path}"
    response = world.http.get(url, headers={**world.headers("player"), "Range": "bytes=2-9"})
    assert response.status_code == 206
    assert response.content == PNG[2:10]
    assert response.headers["content-range"] == f"bytes 2-9/{len(PNG)}"
    beyond = world.http.get(url, headers={**world.headers("player"), "Range": "bytes=9999-"})
    assert beyond.status_code == 416


def test_list_move_copy_and_remove(world: World) -> None:
    folder = f"{world.campaign}/tour"
    gm = world.client("gm").storage.from_("campaign-maps")
    for name in ("a.png", "b.png", "deep/c.png"):
        put(world, "gm", "campaign-maps", f"{folder}/{name}", PNG, "image/png")
    names = [item["name"] for item in gm.list(folder)]
    assert names == ["a.png", "b.png", "deep"]
    searched = gm.list(folder, {"search": "b", "limit": 10, "offset": 0})
    assert [item["name"] for item in searched] == ["b.png"]
    gm.move(f"{folder}/a.png", f"{folder}/moved.png")
    gm.copy(f"{folder}/b.png", f"{folder}/copied.png")
    assert gm.download(f"{folder}/moved.png") == PNG
    assert gm.download(f"{folder}/copied.png") == PNG
    removed = gm.remove([f"{folder}/moved.png", f"{folder}/copied.png", f"{folder}/nope.png"])
    assert sorted(row["name"] for row in removed) == [f"{folder}/copied.png", f"{folder}/moved.png"]
    assert [item["name"] for item in gm.list(folder)] == ["b.png", "deep"]


def test_a_signed_upload_url_lets_its_holder_upload_once_signed(world: World) -> None:
    path = f"{world.campaign}/from-a-friend.png"
    gm = world.client("gm").storage.from_("campaign-maps")
    signed = gm.create_signed_upload_url(path)
    anon = world.client("anon").storage.from_("campaign-maps")
    anon.upload_to_signed_url(path, signed["token"], PNG, {"content-type": "image/png"})
    assert gm.download(path) == PNG
    with pytest.raises(StorageApiError):
        world.client("player").storage.from_("campaign-maps").create_signed_upload_url(
            f"{world.campaign}/sneaky.png"
        )


def test_buckets_are_listed_and_only_admins_create_them(world: World) -> None:
    listed = {bucket.id for bucket in world.client("anon").storage.list_buckets()}
    assert {"avatars", "campaign-maps", "handouts", "lexeme-audio"} <= listed
    assert world.client("player").storage.get_bucket("avatars").public is True
    with pytest.raises(StorageApiError) as refused:
        world.client("player").storage.create_bucket("mine")
    assert refused.value.status == "403"
    name = f"admin-{int(time.time() * 1000)}"
    admin = world.client("admin").storage
    admin.create_bucket(name, options={"public": False, "file_size_limit": 1024})
    admin.update_bucket(name, {"public": True})
    assert admin.get_bucket(name).public is True
    admin.delete_bucket(name)
    with pytest.raises(StorageApiError) as not_empty:
        admin.delete_bucket("avatars")
    assert not_empty.value.status in ("409",)
