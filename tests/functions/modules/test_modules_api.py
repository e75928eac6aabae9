"""The admin API `/functions/v1/modules` behind the gateway (mounted as config.toml's block
would): anon and tokenless callers 401, a player 403, an admin (module.manage) and the service
role list, install, upgrade and remove; errors in the functions' one shape, nothing installed
on a refused upload."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest
from pydantic import SecretStr
from starlette.routing import Mount

from functions.common.config import FunctionSettings
from functions.modules.api import create_app
from native_platform.gateway import create_app as create_gateway
from native_platform.project_config import parse_project_config
from native_platform.settings import StackSettings
from tests.functions.dice.conftest import World
from tests.functions.modules.test_modules_manifest import CORE, MARKET
from tests.helpers.servers import serve

PATH = "/functions/v1/modules"
GATEWAY_CONFIG = """
[functions.modules]
verify_jwt = false
entrypoint = "functions.modules.api:create_app"
"""
ERROR = {"code", "message", "details", "hint"}


@pytest.fixture(scope="module")
def gateway(stack_settings: StackSettings, dice_db_dsn: str) -> Iterator[httpx.Client]:
    settings = FunctionSettings(
        database_url=SecretStr(stack_settings.authenticator_url(dice_db_dsn.rsplit("/", 1)[1])),
        jwt_secret=stack_settings.jwt_secret,
    )
    mount = Mount(PATH, create_app(settings))
    app = create_gateway(
        stack_settings, mounts=[mount], config=parse_project_config(GATEWAY_CONFIG)
    )
    apikey = stack_settings.anon_key.get_secret_value()
    with serve(app) as url, httpx.Client(base_url=url + PATH, timeout=30) as http:
        http.headers["apikey"] = apikey
        yield http


@pytest.fixture
def admin(world: World, dice_db: psycopg.Connection[Any]) -> dict[str, str]:
    """The world's `stranger` made an admin (every permission, module.manage among them)."""
    dice_db.execute(
        "select app_private.set_user_app_roles(%s, '{admin}')", (world.users["stranger"],)
    )
    return world.headers("stranger")


def _bearer(key: SecretStr) -> dict[str, str]:
    return {"Authorization": f"Bearer {key.get_secret_value()}"}


def _manifest(folder: Any, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "module.json").read_text())
    return data | changes


def _versions(http: httpx.Client, headers: dict[str, str]) -> set[str]:
    response = http.get("", headers=headers)
    assert response.status_code == 200, response.text
    return {f"{m['id']}@{m['version']}" for m in response.json()}


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_anon_and_tokenless_callers_are_unauthorized(
    gateway: httpx.Client, stack_settings: StackSettings, method: str
) -> None:
    path = "/spanish-core-items" if method == "DELETE" else ""
    body = json.dumps(_manifest(CORE)) if method == "POST" else None
    for headers in ({}, _bearer(stack_settings.anon_key)):
        response = gateway.request(method, path, content=body, headers=headers)
        assert response.status_code == 401, response.text
        assert set(response.json()) == ERROR


def test_a_player_is_forbidden_and_installs_nothing(
    gateway: httpx.Client, world: World, stack_settings: StackSettings
) -> None:
    player = world.headers("player")
    assert gateway.get("", headers=player).status_code == 403
    response = gateway.post("", json=_manifest(CORE), headers=player)
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "42501"
    assert gateway.delete("/spanish-core-items", headers=player).status_code == 403
    assert "spanish-core-items@1.0.0" not in _versions(
        gateway, _bearer(stack_settings.service_role_key)
    )


def test_admin_installs_upgrades_and_removes(
    gateway: httpx.Client, admin: dict[str, str], stack_settings: StackSettings
) -> None:
    service = _bearer(stack_settings.service_role_key)
    core, market = _manifest(CORE), _manifest(MARKET)
    # Dependencies first, whatever the upload's order; all of it in one transaction.
    response = gateway.post("", json=[market, core], headers=admin)
    assert response.status_code == 200, response.text
    assert [r["id"] for r in response.json()] == ["spanish-core-items", "market-day-seville"]
    assert {r["outcome"] for r in gateway.post("", json=core, headers=admin).json()} == {
        "unchanged"
    }
    newer = core | {"version": "1.1.0"}
    upgraded = gateway.post("/upgrade", json=newer, headers=service)
    assert upgraded.status_code == 200, upgraded.text
    assert {"spanish-core-items@1.1.0", "market-day-seville@" + market["version"]} <= _versions(
        gateway, admin
    )
    # A module still needed by another cannot go; a version nobody needs can.
    refused = gateway.delete("/spanish-core-items", headers=admin)
    assert refused.status_code == 422, refused.text
    assert refused.json()["details"] == {"field": "id"}
    removed = gateway.delete("/spanish-core-items@1.1.0", headers=service)
    assert removed.json() == {"id": "spanish-core-items", "removed": 1}
    assert "spanish-core-items@1.1.0" not in _versions(gateway, service)


def test_a_hostile_upload_names_the_field_and_installs_nothing(
    gateway: httpx.Client, stack_settings: StackSettings
) -> None:
    service = _bearer(stack_settings.service_role_key)
    before = _versions(gateway, service)
    hostile = _manifest(CORE, id="spanish-core-items", version="not-semver")
    response = gateway.post(
        "", json=[_manifest(MARKET) | {"version": "9.0.0"}, hostile], headers=service
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert set(body) == ERROR and body["code"] == "invalid_manifest"
    assert body["details"] == {"field": "version"}
    assert gateway.post("", content=b"{", headers=service).status_code == 422
    assert _versions(gateway, service) == before


def test_unknown_routes_and_methods_answer_in_the_error_shape(
    gateway: httpx.Client, stack_settings: StackSettings
) -> None:
    service = _bearer(stack_settings.service_role_key)
    for method, path, status in (("GET", "/no/such/route", 404), ("PATCH", "", 405)):
        response = gateway.request(method, path, headers=service)
        assert response.status_code == status, response.text
        assert set(response.json()) == ERROR
