"""Metrics end to end: a gateway started as `rfl up` starts it (through the metrics launcher, on
its own metrics port) takes known traffic — a REST read, a 429, a dice roll delivered over
realtime, a failed sign-in — and its real `/metrics` endpoint shows each figure move."""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from realtime import AsyncRealtimeClient

from native_platform.observability.metrics import metrics_ports
from native_platform.settings import StackSettings
from native_platform.stack import api_command, with_metrics
from tests.helpers.servers import free_port
from tests.native_platform.gateway import conftest as gateway_fixtures
from tests.native_platform.gateway.conftest import Table
from tests.native_platform.gateway.test_live_table import access_token, follow_rolls
from tests.native_platform.observability.test_tracing import wait_ready

http = gateway_fixtures.http
table = gateway_fixtures.table

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@dataclass(frozen=True)
class Metered:
    url: str
    metrics_url: str
    log_file: Path


def scrape(url: str) -> Samples:
    """Every sample of an exposition, keyed by name and labels."""
    text = httpx.get(url, timeout=5).text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def metered_gateway(
    stack_settings: StackSettings, stack_settings_file: Path, tmp_path: Path
) -> Iterator[Metered]:
    """The gateway's command exactly as the supervisor builds it, on free ports."""
    port, metrics_port = free_port(), free_port()
    command = with_metrics(
        api_command(stack_settings.model_copy(update={"api_port": port})), metrics_port, True
    )
    env = {**os.environ, "RFL_ENV_FILE": str(stack_settings_file)}
    log_file = tmp_path / "api.log"
    with log_file.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process, log_file)
        yield Metered(url, f"http://127.0.0.1:{metrics_port}/metrics", log_file)
    finally:
        process.terminate()
        process.wait(timeout=15)


def headers(settings: StackSettings, token: str | None = None) -> dict[str, str]:
    anon = settings.anon_key.get_secret_value()
    return {"apikey": anon, "Authorization": f"Bearer {token or anon}"}


def test_figures_move_after_known_traffic(
    stack_settings: StackSettings, table: Table, metered_gateway: Metered
) -> None:
    url, metrics = metered_gateway.url, metered_gateway.metrics_url
    ana, ben = table.players
    before = scrape(metrics)

    # A REST read (anon, a public table): one 2xx under the table's route.
    read = httpx.get(
        f"{url}/rest/v1/content_packs?select=id&limit=1", headers=headers(stack_settings)
    )
    assert read.status_code == 200

    # A failed sign-in.
    wrong = httpx.post(
        f"{url}/auth/v1/token?grant_type=password",
        headers=headers(stack_settings),
        json={"email": ana.email, "password": "not-the-password"},
    )
    assert wrong.status_code == 400

    # 429s: campaign.join allows a burst of 10 attempts per user.
    join = f"{url}/rest/v1/rpc/join_campaign"
    ben_headers = headers(stack_settings, access_token(ben))
    statuses = [
        httpx.post(join, headers=ben_headers, json={"code": uuid.uuid4().hex}).status_code
        for _ in range(12)
    ]
    assert 429 in statuses
    refused = statuses.count(429)

    # A dice roll, delivered to a subscriber over realtime (postgres_changes).
    async def roll_and_hear() -> float:
        client = AsyncRealtimeClient(
            f"{url}/realtime/v1", token=stack_settings.anon_key.get_secret_value()
        )
        await client.connect()
        await client.set_auth(access_token(ben))
        try:
            feed = await follow_rolls(client, table.campaign_id)
            sockets = value(scrape(metrics), "rfl_realtime_sockets")
            body = {
                "campaign_id": table.campaign_id,
                "expression": "1d20+7",
                "visibility": "public",
            }
            rolled = await asyncio.to_thread(
                httpx.post,
                f"{url}/functions/v1/dice/rolls",
                headers=headers(stack_settings, access_token(ana)),
                json=body,
            )
            assert rolled.status_code == 201, rolled.text
            await feed.roll(str(rolled.json()["id"]))
            return sockets
        finally:
            await client.close()

    sockets_while_open = asyncio.run(roll_and_hear())
    after = scrape(metrics)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    rest = {"route": "/rest/v1/content_packs", "method": "GET"}
    assert moved("rfl_http_requests_total", **rest, status_class="2xx") == 1
    assert moved("rfl_http_request_duration_seconds_count", **rest) == 1
    assert moved("rfl_auth_sign_ins_total", grant="password", outcome="failure") == 1
    assert moved("rfl_rate_limit_rejections_total", limit="campaign.join") == refused
    # The 404s (unknown codes) count as {unmatched}: REST cannot tell them from unknown tables.
    join_4xx = {"route": "/rest/v1/rpc/join_campaign", "method": "POST", "status_class": "4xx"}
    assert moved("rfl_http_requests_total", **join_4xx) == refused
    assert moved("rfl_dice_rolls_total", kind="expression") == 1
    dice = {"route": "/functions/v1/dice/rolls", "method": "POST", "status_class": "2xx"}
    assert moved("rfl_http_requests_total", **dice) == 1
    assert sockets_while_open >= 1
    assert value(after, "rfl_realtime_sockets") == 0
    assert moved("rfl_realtime_deliveries_total", kind="postgres_changes") >= 1
    assert moved("rfl_realtime_delivery_lag_seconds_count") >= 1
    assert value(after, "rfl_db_pool_size", pool="rest") >= 1
    assert ("rfl_db_pool_waits_total", frozenset({("pool", "rest")})) in after


def test_metrics_are_not_served_on_the_api_port(
    stack_settings: StackSettings, metered_gateway: Metered
) -> None:
    """`/metrics` is only on the local metrics port; on the API port it is an unknown path,
    counted under `{unmatched}` (a scanner adds no label values)."""
    answer = httpx.get(f"{metered_gateway.url}/metrics", headers=headers(stack_settings))
    assert answer.status_code == 404
    samples = scrape(metered_gateway.metrics_url)
    unmatched = {"route": "{unmatched}", "method": "GET", "status_class": "4xx"}
    assert value(samples, "rfl_http_requests_total", **unmatched) >= 1
    assert not any("/metrics" in dict(labels).get("route", "") for _, labels in samples)


def test_metrics_ports_follow_the_declared_workers() -> None:
    assert metrics_ports(25450, ["indexer", "storage-reconcile"]) == {
        "api": 25450,
        "indexer": 25451,
        "storage-reconcile": 25452,
    }


def test_route_labels_are_templates(
    stack_settings: StackSettings, metered_gateway: Metered
) -> None:
    """Ids in paths never become label values: a path parameter shows by name, an unknown REST
    table or path is `{unmatched}`, a request refused before routing is `<mount>/{path}`."""
    url = metered_gateway.url
    service = stack_settings.service_role_key.get_secret_value()
    admin = {"apikey": service, "Authorization": f"Bearer {service}"}
    user_id, table_name = str(uuid.uuid4()), f"no_such_table_{uuid.uuid4().hex[:8]}"
    assert httpx.get(f"{url}/auth/v1/admin/users/{user_id}", headers=admin).status_code == 404
    assert httpx.get(f"{url}/rest/v1/{table_name}", headers=admin).status_code == 404
    assert httpx.get(f"{url}/rest/v1/{table_name}").status_code == 401  # no apikey
    samples = scrape(metered_gateway.metrics_url)
    routes = {dict(labels).get("route", "") for _, labels in samples}
    assert "/auth/v1/admin/users/{user_id}" in routes
    assert "/rest/v1/{path}" in routes
    assert not any(user_id in route or table_name in route for route in routes)
