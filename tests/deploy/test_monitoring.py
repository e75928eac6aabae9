"""Prometheus of the compose stack (issue 14): it scrapes every service's metrics port on the
compose network (none is published), loads our rules, and known metrics have values after the
traffic of the other tests. Read from inside its container (docker-compose.yml publishes no
Prometheus port), through its HTTP API."""

from __future__ import annotations

import json
import os
import time
from typing import Any
from urllib.parse import quote

import pytest

from tests.deploy.support import Deployment, containers

pytestmark = pytest.mark.skipif(
    not os.environ.get("RFL_DEPLOY_URL"), reason="needs the compose stack (make test-deploy)"
)

# deploy/images/monitoring/prometheus.yml: every job and its targets.
TARGETS = {
    ("api", "api1:9100"),
    ("api", "api2:9100"),
    ("functions", "functions1:9100"),
    ("functions", "functions2:9100"),
    ("realtime", "realtime1:9100"),
    ("realtime", "realtime2:9100"),
    ("indexer", "indexer:9100"),
    ("storage-reconcile", "storage-reconcile:9100"),
    ("postgres", "postgres-exporter:9187"),
    ("prometheus", "127.0.0.1:9090"),
}


def prometheus(deployment: Deployment, path: str) -> Any:
    """GET `path` of Prometheus's API inside its container (bash's /dev/tcp: the image has no
    HTTP client); the `data` of its JSON answer."""
    script = (
        'exec 3<>/dev/tcp/127.0.0.1/9090 && printf "GET %s HTTP/1.0\\r\\n\\r\\n" "$1" >&3'
        " && cat <&3"
    )
    prometheus = f"{deployment.project}_prometheus_1"
    answer = containers("exec", prometheus, "bash", "-c", script, "-", path)
    body = json.loads(answer.split("\n\n", 1)[1])  # after the headers (newlines made \n)
    assert body["status"] == "success", body
    return body["data"]


def query(deployment: Deployment, expression: str) -> list[dict[str, Any]]:
    return list(prometheus(deployment, f"/api/v1/query?query={quote(expression)}")["result"])


def test_every_target_is_scraped_and_up(deployment: Deployment) -> None:
    """Every job of prometheus.yml answers its scrape: the API, functions and realtime nodes,
    the indexer, the storage reconciler, postgres-exporter and Prometheus itself (a node killed
    and started again by the other tests is found again by name)."""
    deadline = time.monotonic() + 90  # a scrape every 15 s; nodes restarted by other tests
    while True:
        active = prometheus(deployment, "/api/v1/targets?state=active")["activeTargets"]
        seen = {(t["labels"]["job"], t["labels"]["instance"]): t for t in active}
        down = {
            key: t["lastError"] or t["health"] for key, t in seen.items() if t["health"] != "up"
        }
        if set(seen) == TARGETS and not down:
            return
        assert time.monotonic() < deadline, f"targets {sorted(seen)}, down: {down}"
        time.sleep(3)


def test_known_metrics_have_values(deployment: Deployment) -> None:
    """After the other tests' traffic: requests counted per route on the API nodes, rolls on
    the functions nodes, the exporter's own query answers, and our rules are loaded."""
    deadline = time.monotonic() + 60
    expressions = {
        "requests": 'sum(rfl_http_requests_total{job="api", route="/rest/v1/campaigns"})',
        "rolls": 'sum(rfl_dice_rolls_total{job="functions"})',
        "wal": 'rfl_wal_segments{job="postgres"}',
        "database": 'pg_up{job="postgres"}',
    }
    values: dict[str, float] = {}
    while set(values) != set(expressions):
        for name, expression in expressions.items():
            result = query(deployment, expression)
            if result and float(result[0]["value"][1]) > 0:
                values[name] = float(result[0]["value"][1])
        if set(values) != set(expressions):
            assert time.monotonic() < deadline, f"no value yet for {set(expressions) - set(values)}"
            time.sleep(3)
    groups = prometheus(deployment, "/api/v1/rules")["groups"]
    rules = {rule["name"] for group in groups for rule in group["rules"]}
    assert {"RflTargetDown", "RflBackupTooOld", "job:rfl_http_requests:rate5m"} <= rules
    print(f"figures: {values}")  # noqa: T201
