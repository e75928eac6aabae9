"""Installing, upgrading, pinning and removing game modules on a fresh database, acting as each
API role exactly as the API would (tests/helpers/actors.py)."""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest

from functions.modules.__main__ import install_samples
from functions.modules.manifest import Manifest, ManifestError
from functions.modules.store import (
    install_manifests,
    installed_manifests,
    load_paths,
    remove_module,
    upgrade_changes,
)
from native_platform.settings import StackSettings
from tests.functions.modules.test_modules_manifest import CORE, MARKET, ROOT
from tests.helpers.actors import acting_as
from tests.sql.world import C1, ROWS, USERS, build_world

Conn = psycopg.Connection[Any]


@pytest.fixture
def world(db: Conn) -> Conn:
    build_world(db)
    return db


def _variant(folder: Any, **changes: Any) -> Manifest:
    data = json.loads((folder / "module.json").read_text())
    data.update(changes)
    return Manifest.model_validate(data)


def _versions(conn: Conn) -> set[str]:
    rows = conn.execute("select module_id || '@' || version from public.game_module_versions")
    return {r[0] for r in rows.fetchall()}


def _install(
    conn: Conn, manifests: list[Manifest], role: str = "service_role", user: str = ""
) -> Any:
    with acting_as(conn, role, USERS[user] if user else None):
        return install_manifests(conn, manifests)


def test_samples_install_dependencies_first_and_reinstall_is_a_no_op(world: Conn) -> None:
    manifests = load_paths([ROOT])
    assert [m.id for m in manifests] == ["market-day-seville", "spanish-core-items"]
    first = _install(world, manifests)
    assert [(r.id, r.outcome) for r in first] == [
        ("spanish-core-items", "installed"),
        ("market-day-seville", "installed"),
    ]
    assert {r.outcome for r in _install(world, manifests)} == {"unchanged"}
    audited = world.execute(
        "select count(*) from audit.record_version where table_name = 'game_module_versions'"
    ).fetchone()
    assert audited == (2,)


@pytest.mark.parametrize(
    ("offer", "field"),
    [
        (lambda: [_variant(MARKET)], "dependencies[0].id"),
        (
            lambda: [
                _variant(CORE),
                _variant(MARKET, dependencies=[{"id": "spanish-core-items", "version": "^2.0.0"}]),
            ],
            "dependencies[0].version",
        ),
        (
            lambda: [
                _variant(CORE, dependencies=[{"id": "market-day-seville", "version": "*"}]),
                _variant(MARKET),
            ],
            "dependencies",
        ),
        (lambda: [_variant(CORE, engine=">=2.0.0")], "engine"),
        (
            lambda: [
                _variant(CORE, conflicts=[{"id": "market-day-seville", "version": "*"}]),
                _variant(MARKET),
            ],
            "conflicts[0]",
        ),
    ],
)
def test_resolution_errors_name_the_field_and_install_nothing(
    world: Conn, offer: Any, field: str
) -> None:
    with pytest.raises(ManifestError) as caught:
        _install(world, offer())
    assert caught.value.field == field
    assert _versions(world) == set()


def test_another_publishers_id_is_refused(world: Conn) -> None:
    _install(world, [_variant(CORE)])
    with pytest.raises(psycopg.errors.UniqueViolation, match="^id: module spanish-core-items"):
        _install(world, [_variant(CORE, publisher="mallory", version="1.0.1")])
    assert _versions(world) == {"spanish-core-items@1.0.0"}


@pytest.mark.parametrize(("role", "user"), [("authenticated", "player"), ("authenticated", "gm")])
def test_installing_needs_module_manage(world: Conn, role: str, user: str) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        _install(world, [_variant(CORE)], role, user)
    assert _versions(world) == set()


def test_admin_installs_and_a_failed_batch_leaves_nothing(world: Conn) -> None:
    _install(world, [_variant(CORE), _variant(CORE, id="zzz-owned")], "authenticated", "admin")
    hijack = _variant(CORE, id="zzz-owned", version="2.0.0", publisher="mallory")
    with pytest.raises(psycopg.errors.UniqueViolation, match="^id: module zzz-owned"):
        _install(world, [_variant(MARKET), hijack])  # market is installed first, then undone
    assert _versions(world) == {"spanish-core-items@1.0.0", "zzz-owned@1.0.0"}


def _enable(conn: Conn, user: str, module: str, version: str, campaign: Any = C1) -> None:
    with acting_as(conn, "authenticated", USERS[user]):
        conn.execute(
            "select app_private.enable_game_module(%s, %s, %s)", (campaign, module, version)
        )


def _seen(conn: Conn, table: str, role: str, user: str | None) -> set[str]:
    with acting_as(conn, role, USERS[user] if user else None, rollback=True):
        column = "id" if table == "game_modules" else "module_id"
        rows = conn.execute(f"select {column} from public.{table}").fetchall()  # noqa: S608
    return {r[0] for r in rows}


def test_campaign_pins_its_version_and_reads_follow_enablement(world: Conn) -> None:
    _install(world, load_paths([ROOT]))
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        _enable(world, "player", "spanish-core-items", "1.0.0")
    _enable(world, "gm", "spanish-core-items", "1.0.0")
    v2 = _variant(CORE, version="2.0.0")
    _install(world, [v2])
    pins = world.execute("select campaign_id, version from public.campaign_game_modules").fetchall()
    assert pins == [(C1, "1.0.0")]
    campaign_modules = "campaign_game_modules"
    assert _seen(world, campaign_modules, "authenticated", "player") == {"spanish-core-items"}
    assert _seen(world, campaign_modules, "authenticated", "other") == set()
    assert _seen(world, campaign_modules, "authenticated", "gm") == {"spanish-core-items"}
    assert _seen(world, campaign_modules, "authenticated", "admin") == {"spanish-core-items"}
    assert _seen(world, "game_modules", "authenticated", "other") == set()
    assert _seen(world, "game_modules", "authenticated", "player") == {"spanish-core-items"}
    assert _seen(world, "game_module_versions", "authenticated", "gm2") == {
        "spanish-core-items",
        "market-day-seville",
    }
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        _seen(world, "game_modules", "anon", None)
    _enable(world, "gm", "spanish-core-items", "2.0.0")
    assert world.execute("select version from public.campaign_game_modules").fetchone() == (
        "2.0.0",
    )


def test_major_upgrade_lists_changes() -> None:
    old = _variant(CORE)
    data = json.loads((CORE / "module.json").read_text())
    data["version"] = "2.0.0"
    data["provides"]["items"] = data["provides"]["items"][:1]
    data["provides"]["items"][0]["rarity"] = "rare"
    data["provides"]["rules"]["macros"].append({"name": "second_wind", "expression": "1d8"})
    assert upgrade_changes(old, Manifest.model_validate(data)) == [
        "item phrasebook removed",
        "item pocket_dictionary changed",
        "macro second_wind added",
    ]


def test_disabling_keeps_items_inactive_and_removal_respects_pins(world: Conn) -> None:
    _install(world, load_paths([ROOT]))
    _enable(world, "gm", "spanish-core-items", "1.0.0")
    player_character = ROWS["characters"]["ch_player"]["id"]
    world.execute(
        "insert into public.character_module_items (character_id, module_id, item_key, equipped)"
        " values (%s, 'spanish-core-items', 'pocket_dictionary', true)",
        (player_character,),
    )
    with acting_as(world, "authenticated", USERS["gm"]):
        world.execute("select app_private.disable_game_module(%s, 'spanish-core-items')", (C1,))
    assert world.execute("select active from public.character_module_items").fetchall() == [
        (False,)
    ]
    assert _seen(world, "character_module_items", "authenticated", "player") == {
        "spanish-core-items"
    }
    assert _seen(world, "character_module_items", "authenticated", "other") == set()
    with acting_as(world, "service_role"), pytest.raises(ManifestError, match="depends on"):
        remove_module(world, "spanish-core-items")
    with acting_as(world, "service_role"), pytest.raises(psycopg.errors.ForeignKeyViolation):
        world.execute("select app_private.remove_game_module('spanish-core-items')")
    _enable(world, "gm", "spanish-core-items", "1.0.0")
    assert world.execute("select active from public.character_module_items").fetchall() == [(True,)]
    with acting_as(world, "service_role"):
        assert remove_module(world, "market-day-seville") == 1
        assert set(installed_manifests(world)) == {"spanish-core-items"}


def test_seed_step_installs_the_samples_as_the_api_login(
    db: Conn,
    db_dsn: str,
    stack_settings: StackSettings,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`[seed_steps.sample_modules]` (make up) runs with the API login DSN, twice is harmless;
    the samples' assets go to storage (here a folder of the test's own)."""
    monkeypatch.setenv("RFL_STORAGE_FILE_ROOT", str(tmp_path))
    api_login = stack_settings.authenticator_url(db_dsn.rsplit("/", 1)[1])
    assert [r.outcome for r in install_samples(api_login)] == ["installed", "installed"]
    assert [r.outcome for r in install_samples(api_login)] == ["unchanged", "unchanged"]
    assert _versions(db) == {"spanish-core-items@1.0.0", "market-day-seville@1.0.0"}
