"""GATEWAY_SERVICES: which services one gateway process mounts. Empty (the native stack) mounts
everything; the container deployment runs API nodes with `rest,auth,studio` and functions
nodes with `functions,storage` (docs/deployment.md). A gateway without realtime never opens
the realtime node's WAL reader (its temporary wal2json slot is named `realtime_<pid>_…`)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from native_platform.gateway import create_app
from native_platform.gateway.services import mounted_services, service_mounts
from native_platform.project_config import load_project_config
from native_platform.settings import SettingsError, StackSettings
from tests.helpers.servers import serve


def realtime_slots(settings: StackSettings) -> list[str]:
    """This process's realtime WAL reader slots (the gateways these tests serve run here)."""
    with psycopg.connect(settings.database_url.get_secret_value(), autocommit=True) as conn:
        rows = conn.execute(
            "select slot_name from pg_catalog.pg_replication_slots where slot_name like %s",
            (f"realtime\\_{os.getpid()}\\_%",),
        ).fetchall()
    return [str(row[0]) for row in rows]


def with_services(settings: StackSettings, services: str) -> StackSettings:
    return settings.model_copy(update={"gateway_services": services})


def mount_paths(settings: StackSettings) -> list[str]:
    return [mount.path for mount in service_mounts(settings, load_project_config())]


def test_every_service_by_default(stack_settings: StackSettings) -> None:
    """Empty GATEWAY_SERVICES: everything, realtime's WAL reader included (as `rfl up`)."""
    settings = with_services(stack_settings, "")
    paths = mount_paths(settings)
    assert {"/rest/v1", "/auth/v1", "/realtime/v1", "/storage/v1"} <= set(paths)
    assert "/functions/v1/dice" in paths
    headers = {"apikey": settings.anon_key.get_secret_value()}
    with serve(create_app(settings)) as url:
        deadline = time.monotonic() + 20
        while httpx.get(f"{url}/realtime/v1/ready", headers=headers).status_code != 200:
            assert time.monotonic() < deadline, "the realtime mount never became ready"
            time.sleep(0.1)
        assert realtime_slots(settings), "the mounted realtime holds a WAL reader slot"


def test_an_api_node_without_realtime(stack_settings: StackSettings) -> None:
    """`rest,auth,studio`: REST answers, realtime and functions are not there (404) and no
    WAL reader slot is opened by the process."""
    settings = with_services(stack_settings, "rest, auth,studio")
    assert mount_paths(settings) == ["/rest/v1", "/auth/v1", "/studio"]
    headers = {"apikey": settings.anon_key.get_secret_value()}
    with serve(create_app(settings)) as url:
        assert httpx.get(f"{url}/ready").status_code == 200
        assert httpx.get(f"{url}/rest/v1/campaigns?select=id", headers=headers).status_code == 200
        assert httpx.get(f"{url}/auth/v1/settings", headers=headers).status_code == 200
        assert httpx.get(f"{url}/realtime/v1/ready", headers=headers).status_code == 404
        assert httpx.get(f"{url}/functions/v1/dice/odds").status_code == 404
        assert realtime_slots(settings) == []


def test_a_functions_node(stack_settings: StackSettings) -> None:
    """`functions,storage`: the functions and storage answer, REST does not."""
    settings = with_services(stack_settings, "functions,storage")
    paths = mount_paths(settings)
    assert paths[0] == "/storage/v1"
    assert all(path.startswith("/functions/v1/") for path in paths[1:])
    service = settings.service_role_key.get_secret_value()
    headers = {"apikey": service, "Authorization": f"Bearer {service}"}
    with serve(create_app(settings)) as url:
        odds = httpx.get(f"{url}/functions/v1/dice/odds", params={"expression": "1d6"})
        assert odds.status_code == 200, odds.text
        bucket = httpx.get(f"{url}/storage/v1/bucket/avatars", headers=headers)
        assert bucket.status_code == 200, bucket.text
        assert bucket.json()["id"] == "avatars"
        assert httpx.get(f"{url}/rest/v1/campaigns", headers=headers).status_code == 404
        assert realtime_slots(settings) == []


def test_an_unknown_service_is_refused(stack_settings: StackSettings) -> None:
    settings = with_services(stack_settings, "rest,graphql")
    with pytest.raises(SettingsError, match="GATEWAY_SERVICES is invalid: unknown graphql"):
        mounted_services(settings, load_project_config())


def test_the_setting_comes_from_the_environment(
    stack_settings_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read like every other setting: GATEWAY_SERVICES in the environment (or the env file)."""
    monkeypatch.setenv("GATEWAY_SERVICES", "functions,storage")
    loaded = StackSettings(_env_file=stack_settings_file)  # type: ignore[call-arg]
    assert loaded.gateway_services == "functions,storage"
    assert mounted_services(loaded, load_project_config()) == {"functions", "storage"}
