"""Issue 16 end to end through @supabase/supabase-js (storage-js) under Node, against the
storage service behind the gateway: a player's portrait, a gm's map shared by signed URL,
downloads as each actor, list / listV2, remove, and image transformations."""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.functions.storage.conftest import World
from tests.native_platform.rest.support import run_node
from tests.native_platform.rest.test_supabase_js_parity import NODE_MODULES_DIR

SCRIPT = Path(__file__).with_name("js") / "storage.mjs"


def png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def size_of(encoded: str) -> tuple[int, int]:
    with Image.open(io.BytesIO(base64.b64decode(encoded))) as image:
        return image.size


@pytest.fixture(scope="module")
def results(world: World) -> dict[str, Any]:
    if shutil.which("node") is None or not (NODE_MODULES_DIR / "node_modules").is_dir():
        pytest.fail("node and tests/native_platform/realtime/js/node_modules are required")
    image = png(64, 48)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PLAYER_TOKEN", world.token("player"))
        env.setenv("GM_TOKEN", world.token("gm"))
        env.setenv("OTHER_TOKEN", world.token("other"))
        env.setenv("PLAYER_ID", str(world.users["player"]))
        env.setenv("CAMPAIGN", str(world.campaign))
        env.setenv("IMAGE_B64", base64.b64encode(image).decode())
        try:
            found: dict[str, Any] = run_node(SCRIPT, world.url, world.anon_key, NODE_MODULES_DIR)
        except subprocess.CalledProcessError as failed:
            pytest.fail(f"the supabase-js script failed:\n{failed.stderr}")
    found["image"] = image
    return found


def test_a_player_uploads_a_portrait_anyone_fetches_its_public_url(
    world: World, results: dict[str, Any]
) -> None:
    image = base64.b64encode(results["image"]).decode()
    assert results["portraitUpload"] == {
        "path": f"{world.users['player']}/portrait.png",
        "error": None,
    }
    assert results["portraitPublic"] == {"status": 200, "b64": image}
    assert results["portraitDuplicate"]["name"] == "StorageApiError"
    # Upstream's shape: HTTP 400 with the logical status in the body's statusCode.
    assert results["portraitDuplicate"]["status"] == 400
    assert results["portraitDuplicate"]["statusCode"] == "409"
    assert results["foreignUpload"]["statusCode"] == "403"


def test_a_gm_shares_a_map_through_a_signed_url(results: dict[str, Any]) -> None:
    image = base64.b64encode(results["image"]).decode()
    assert results["mapUpload"] is None
    assert results["signedMap"] == {"status": 200, "b64": image}
    assert results["tamperedStatus"] == 400
    assert [item["signed"] for item in results["batch"]] == [True, False]
    assert results["downloadDisposition"].startswith("attachment; filename=map.png")
    assert results["signedAfterRemove"] == 400


def test_downloads_list_and_remove_as_each_actor(world: World, results: dict[str, Any]) -> None:
    assert results["playerDownload"]["b64"] == base64.b64encode(results["image"]).decode()
    assert results["otherDownload"]["data"] is False
    assert results["otherDownload"]["error"]["statusCode"] == "404"
    assert results["exists"] is True
    assert results["info"]["size"] == len(results["image"])
    assert results["list"] == [
        {"name": "dungeon.png", "folder": False},
        {"name": "floors", "folder": True},
    ]
    assert results["listV2"] == {
        "folders": ["floors"],
        "objects": ["dungeon.png"],
        "hasNext": False,
    }
    assert results["removed"] == [f"{world.campaign}/floors/one.png"]
    assert results["afterRemove"]["statusCode"] == "404"
    assert results["mapRemoved"] == [f"{world.campaign}/dungeon.png"]


def test_image_transformations(results: dict[str, Any]) -> None:
    assert size_of(results["thumb"]) == (16, 16)
    assert results["signedThumb"]["status"] == 200
    assert size_of(results["signedThumb"]["b64"]) == (20, 10)
    assert results["publicThumb"]["status"] == 200
    assert size_of(results["publicThumb"]["b64"]) == (8, 8)  # resize defaults to cover
