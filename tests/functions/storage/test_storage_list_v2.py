"""`POST /object/list-v2/{bucket}` through storage3's `list_v2` (S3 ListObjectsV2 semantics:
raw prefix, opaque cursor, folders with `with_delimiter`) and `storage.operation()` set per
request so that policies can tell operations apart."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from fastapi.routing import APIRoute
from storage3.exceptions import StorageApiError
from storage3.types import SearchV2Options

from functions.storage.operations import operation_of
from functions.storage.routes import buckets, objects, render, resumable, signed
from tests.functions.storage.conftest import PNG, World, put


@pytest.fixture(scope="module")
def tree(world: World) -> str:
    """`<campaign>/v2/` holding five maps, two of them in sub-folders."""
    folder = f"{world.campaign}/v2"
    for name in ("a.png", "b.png", "c.png", "sub/d.png", "sub/deeper/e.png", "zed/f.png"):
        put(world, "gm", "campaign-maps", f"{folder}/{name}", PNG, "image/png")
    return folder


def test_flat_listing_pages_with_a_cursor(world: World, tree: str) -> None:
    """Without a delimiter every key under the prefix comes back, a page at a time."""
    bucket = world.client("gm").storage.from_("campaign-maps")
    first = bucket.list_v2({"prefix": f"{tree}/", "limit": 4})
    assert first.hasNext and first.nextCursor
    assert first.folders == []
    assert [item.name for item in first.objects] == ["a.png", "b.png", "c.png", "sub/d.png"]
    assert first.objects[0].key == f"{tree}/a.png"
    assert first.objects[0].metadata and first.objects[0].metadata["size"] == len(PNG)
    rest = bucket.list_v2({"prefix": f"{tree}/", "limit": 4, "cursor": first.nextCursor})
    assert not rest.hasNext and rest.nextCursor is None
    assert [item.name for item in rest.objects] == ["sub/deeper/e.png", "zed/f.png"]


def test_delimiter_folds_deeper_keys_into_folders(world: World, tree: str) -> None:
    """With a delimiter, `sub/` and `zed/` are folders, each counted once in the page."""
    bucket = world.client("gm").storage.from_("campaign-maps")
    page = bucket.list_v2({"prefix": f"{tree}/", "with_delimiter": True, "limit": 4})
    assert [item.name for item in page.objects] == ["a.png", "b.png", "c.png"]
    assert [(f.name, f.key) for f in page.folders] == [("sub", f"{tree}/sub/")]
    assert page.hasNext and page.nextCursor
    rest = bucket.list_v2(
        {"prefix": f"{tree}/", "with_delimiter": True, "limit": 4, "cursor": page.nextCursor}
    )
    assert [f.name for f in rest.folders] == ["zed"] and rest.objects == []
    assert not rest.hasNext
    # A raw prefix, as S3's: "<tree>/s" matches the folder "sub/" only.
    partial = bucket.list_v2({"prefix": f"{tree}/s", "with_delimiter": True})
    assert [f.key for f in partial.folders] == [f"{tree}/sub/"] and partial.objects == []


def test_a_delimiter_page_after_an_object_keeps_keys_it_prefixes(world: World) -> None:
    """After `a.png`, `a.png2` (which starts with it) still comes on the next page; after a
    folder, what it holds does not."""
    folder = f"{world.campaign}/v2-prefixes"
    for name in ("a.png", "a.png2", "a.png3/inside.png", "b.png"):
        put(world, "gm", "campaign-maps", f"{folder}/{name}", PNG, "image/png")
    bucket = world.client("gm").storage.from_("campaign-maps")
    seen: list[str] = []
    options: SearchV2Options = {"prefix": f"{folder}/", "with_delimiter": True, "limit": 1}
    while True:
        page = bucket.list_v2(options)
        seen += [f"{item.name}/" for item in page.folders] + [o.name for o in page.objects]
        if not page.hasNext or page.nextCursor is None:
            break
        options["cursor"] = page.nextCursor
    assert seen == ["a.png", "a.png2", "a.png3/", "b.png"]


def test_sorting_by_a_timestamp_descending_pages_in_that_order(world: World, tree: str) -> None:
    """Newest first with the name as tie-breaker; the cursor continues the same order."""
    bucket = world.client("gm").storage.from_("campaign-maps")
    seen: list[str] = []
    options: SearchV2Options = {
        "prefix": f"{tree}/",
        "limit": 2,
        "sortBy": {"column": "created_at", "order": "desc"},
    }
    while True:
        page = bucket.list_v2(options)
        seen += [item.name for item in page.objects]
        if not page.hasNext or page.nextCursor is None:
            break
        options["cursor"] = page.nextCursor
    assert seen == ["zed/f.png", "sub/deeper/e.png", "sub/d.png", "c.png", "b.png", "a.png"]


def test_rls_filters_the_listing_and_bad_cursors_are_refused(world: World, tree: str) -> None:
    """Another campaign's player sees nothing; a forged cursor or one from another ordering
    is a 400 in the Storage API's shape; an unknown bucket is a 404-coded error."""
    other = world.client("other").storage.from_("campaign-maps")
    assert other.list_v2({"prefix": f"{tree}/"}).objects == []
    gm = world.client("gm").storage.from_("campaign-maps")
    cursor = gm.list_v2({"prefix": f"{tree}/", "limit": 1}).nextCursor
    assert cursor is not None
    for bad in ("not-a-cursor", cursor):
        answer = world.http.post(
            f"{world.storage_url}/object/list-v2/campaign-maps",
            headers=world.headers("gm"),
            json={"prefix": f"{tree}/", "cursor": bad, "sortBy": {"column": "updated_at"}},
        )
        assert answer.status_code == 400
        assert answer.json()["error"] == "InvalidRequest"
    with pytest.raises(StorageApiError) as refused:
        world.client("gm").storage.from_("no-such-bucket").list_v2()
    assert refused.value.status == "404"
    too_many = world.http.post(
        f"{world.storage_url}/object/list-v2/campaign-maps",
        headers=world.headers("gm"),
        json={"limit": 5000},
    )
    assert too_many.status_code == 400


@pytest.fixture(scope="module")
def ops_bucket(world: World) -> Iterator[str]:
    """A bucket whose policies name operations: uploads are allowed, reads only for listings
    (and the upload's own RETURNING), so a download or a copy finds nothing."""
    with psycopg.connect(world.dsn, autocommit=True) as db:
        db.execute("insert into storage.buckets (id, name) values ('ops', 'ops')")
        db.execute(
            "create policy ops_insert on storage.objects for insert to authenticated"
            " with check (bucket_id = 'ops' and storage.operation() = 'storage.object.upload')"
        )
        db.execute(
            "create policy ops_select on storage.objects for select to authenticated"
            " using (bucket_id = 'ops' and storage.operation()"
            " in ('storage.object.upload', 'storage.object.list_v2'))"
        )
    yield "ops"
    with psycopg.connect(world.dsn, autocommit=True) as db:
        db.execute("drop policy ops_insert on storage.objects")
        db.execute("drop policy ops_select on storage.objects")


def test_policies_see_the_operation_of_each_request(world: World, ops_bucket: str) -> None:
    bucket = world.client("player").storage.from_(ops_bucket)
    bucket.upload("x.png", PNG, {"content-type": "image/png"})
    assert [item.name for item in bucket.list_v2().objects] == ["x.png"]
    assert bucket.list() == []  # storage.object.list is not named by the policy
    with pytest.raises(StorageApiError):
        bucket.download("x.png")
    with pytest.raises(StorageApiError):
        bucket.copy("x.png", "y.png")
    with psycopg.connect(world.dsn, autocommit=True) as db:
        row = db.execute("select storage.operation()").fetchone()
    assert row == (None,)


def test_every_route_names_its_operation(world: World) -> None:
    """A new route must be added to functions.storage.operations.OPERATIONS."""
    del world
    routers = (buckets, objects, render, resumable, signed)
    routes = [r for m in routers for r in m.router.routes if isinstance(r, APIRoute)]
    missing = [
        route.path
        for route in routes
        if operation_of(route.endpoint.__module__, route.endpoint.__name__) is None
    ]
    assert len(routes) > 30
    assert missing == []
