"""Scene and handout assets of game modules land in the `module-assets` storage bucket
(issue 21): installed with their module in one transaction, laid out as the storage service
lays objects out, readable by the campaigns enabling that version; hostile asset files are
refused before anything is installed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import psycopg
import pytest

from functions.modules.__main__ import install_paths
from functions.modules.manifest import ManifestError
from native_platform.settings import StackSettings
from tests.functions.modules.test_modules_manifest import ROOT
from tests.helpers.actors import acting_as

Conn = psycopg.Connection[Any]
KEY = "market-day-seville/1.0.0/handouts/price-list.md"


@pytest.fixture
def storage_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The storage service's file backend, in this test's own folder."""
    root = tmp_path / "storage"
    monkeypatch.setenv("RFL_STORAGE_BACKEND", "file")
    monkeypatch.setenv("RFL_STORAGE_FILE_ROOT", str(root))
    return root


@pytest.fixture
def api_login(db_dsn: str, stack_settings: StackSettings) -> str:
    return stack_settings.authenticator_url(db_dsn.rsplit("/", 1)[1])


def _objects(db: Conn) -> list[tuple[str, str]]:
    rows = db.execute(
        "select name, version from storage.objects where bucket_id = 'module-assets' order by 1"
    ).fetchall()
    return [(str(n), str(v)) for n, v in rows]


def _users(db: Conn, *names: str) -> dict[str, Any]:
    ids = {}
    for name in names:
        row = db.execute(
            "insert into auth.users (email) values (%s) returning id", (f"{name}@assets.test",)
        ).fetchone()
        assert row is not None
        ids[name] = row[0]
    return ids


def test_assets_are_stored_once_and_read_by_enabling_campaigns(
    db: Conn, api_login: str, storage_root: Path
) -> None:
    outcomes = [r.outcome for r in install_paths(api_login, [ROOT])]
    assert outcomes == ["installed", "installed"]
    [(name, version)] = _objects(db)
    assert name == KEY
    stored = storage_root / "module-assets" / KEY / f"{version}~"
    assert stored.read_bytes() == (ROOT / "market-day-seville/handouts/price-list.md").read_bytes()
    row = db.execute("select metadata from storage.objects where name = %s", (KEY,)).fetchone()
    assert row is not None
    meta: dict[str, Any] = row[0]
    assert meta["mimetype"] == "text/markdown" and meta["size"] == stored.stat().st_size
    # Installing again stores nothing new.
    assert [r.outcome for r in install_paths(api_login, [ROOT])] == ["unchanged", "unchanged"]
    assert _objects(db) == [(name, version)]

    users = _users(db, "gm", "player", "other")
    campaign = db.execute(
        "insert into public.campaigns (owner_id, name, target_language) values (%s, 'A', 'es')"
        " returning id",
        (users["gm"],),
    ).fetchone()
    assert campaign is not None
    db.execute(
        "insert into public.campaign_members (campaign_id, user_id, role)"
        " values (%s, %s, 'player')",
        (campaign[0], users["player"]),
    )

    def visible(who: str) -> list[Any]:
        with acting_as(db, "authenticated", users[who]):
            return db.execute(
                "select name from storage.objects where bucket_id = 'module-assets'"
            ).fetchall()

    assert visible("player") == []  # not enabled yet
    with acting_as(db, "authenticated", users["gm"]):
        for module in ("spanish-core-items", "market-day-seville"):
            db.execute(
                "select app_private.enable_game_module(%s, %s, '1.0.0')", (campaign[0], module)
            )
    assert visible("player") == [(KEY,)]
    assert visible("gm") == [(KEY,)]
    assert visible("other") == []
    with acting_as(db, "anon"):
        assert db.execute("select name from storage.objects").fetchall() == []
    with acting_as(db, "authenticated", users["gm"]):
        db.execute(
            "select app_private.disable_game_module(%s, 'market-day-seville')", (campaign[0],)
        )
    assert visible("player") == []


def _copy_market(tmp_path: Path, asset: str) -> Path:
    """The market module, with its scenes naming `asset`, in a folder of its own."""
    folder = tmp_path / "modules" / "market-day-seville"
    shutil.copytree(ROOT / "market-day-seville", folder)
    shutil.copytree(ROOT / "spanish-core-items", folder.parent / "spanish-core-items")
    data = json.loads((folder / "module.json").read_text())
    for scene in data["provides"]["scenes"]:
        scene["assets"] = [asset]
    (folder / "module.json").write_text(json.dumps(data))
    return folder


@pytest.mark.parametrize(
    ("asset", "arrange", "reason"),
    [
        ("handouts/secret.md", "symlink", "leads outside the module's folder"),
        ("handouts/missing.md", None, "is not a file of the module"),
        ("handouts/tool.svg", "svg", "type image/svg+xml not allowed"),
    ],
)
def test_hostile_asset_files_install_nothing(
    db: Conn,
    api_login: str,
    storage_root: Path,
    tmp_path: Path,
    asset: str,
    arrange: str | None,
    reason: str,
) -> None:
    folder = _copy_market(tmp_path, asset)
    if arrange == "symlink":
        (tmp_path / "outside.md").write_text("the server's secrets")
        (folder / asset).symlink_to(tmp_path / "outside.md")
    elif arrange == "svg":
        (folder / asset).write_text("<svg onload='alert(1)'/>")
    with pytest.raises(ManifestError) as refused:
        install_paths(api_login, [folder.parent])
    assert refused.value.field == "provides.scenes[0].assets[0]"
    assert reason in refused.value.message
    assert db.execute("select count(*) from public.game_module_versions").fetchone() == (0,)
    assert _objects(db) == []
    assert not storage_root.exists() or not any(storage_root.rglob("*~"))
