"""`GET /ready` reports each component the gateway depends on; `GET /health` only liveness."""

from __future__ import annotations

import time

import httpx

from native_platform import realtime
from native_platform.gateway import create_app
from native_platform.settings import StackSettings
from tests.helpers.servers import free_port, serve


def test_ready_reports_every_component_up(stack_settings: StackSettings) -> None:
    """Against the running test stack, database, migrations and Typesense are all up."""
    with serve(create_app(stack_settings)) as url:
        response = httpx.get(f"{url}/ready")
    assert response.status_code == 200
    components = response.json()["components"]
    assert {name: part["status"] for name, part in components.items()} == {
        "database": "up",
        "migrations": "up",
        "typesense": "up",
    }


def test_ready_reports_stopped_typesense_down(stack_settings: StackSettings) -> None:
    """A Typesense that does not answer is reported down and the whole health is 503."""
    settings = stack_settings.model_copy(update={"typesense_port": free_port()})
    with serve(create_app(settings, mounts=[])) as url:
        response = httpx.get(f"{url}/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["components"]["typesense"]["status"] == "down"
    assert body["components"]["database"]["status"] == "up"


def test_ready_reports_unreachable_database_down(stack_settings: StackSettings) -> None:
    """A database that does not answer is reported down, with the migrations unknown."""
    settings = stack_settings.model_copy(update={"postgres_port": free_port()})
    with serve(create_app(settings, mounts=[])) as url:
        response = httpx.get(f"{url}/ready")
    components = response.json()["components"]
    assert response.status_code == 503
    assert components["database"]["status"] == "down"
    assert components["migrations"]["status"] == "down"


def test_health_is_liveness_only(stack_settings: StackSettings) -> None:
    """With the database gone the process is still alive (200) but not ready (503)."""
    settings = stack_settings.model_copy(update={"postgres_port": free_port()})
    with serve(create_app(settings, mounts=[])) as url:
        alive = httpx.get(f"{url}/health")
        ready = httpx.get(f"{url}/ready")
    assert (alive.status_code, alive.json()) == (200, {"status": "up"})
    assert ready.status_code == 503


def test_realtime_node_reports_ready(stack_settings: StackSettings) -> None:
    """A realtime node run alone is ready once its backplane and WAL reader are connected."""
    app = realtime.create_app(realtime.RealtimeSettings.from_stack(stack_settings))
    with serve(app) as url:
        alive = httpx.get(f"{url}/health")
        deadline = time.monotonic() + 10
        while (ready := httpx.get(f"{url}/ready")).status_code != 200:
            assert time.monotonic() < deadline, ready.text
            time.sleep(0.1)
    assert alive.json() == {"status": "up"}
    assert ready.json()["components"] == {
        "backplane": {"status": "up"},
        "wal_reader": {"status": "up"},
    }
