"""The test stack's real Prometheus scrapes every process of the stack (each on its own
local-only metrics port) and the Postgres exporter; the rules and the Grafana dashboard name only
metrics those expose."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from native_platform.observability.dashboard import (
    DASHBOARD_FILE,
    EXTERNAL_METRICS,
    dashboard,
    metric_names,
    render,
)
from native_platform.observability.prometheus import scrape_targets
from native_platform.project_config import load_project_config
from native_platform.settings import StackSettings

# Targets are scraped every scrape_interval_seconds: a fresh target needs up to that long.
WAIT_SECONDS = 2 * load_project_config().metrics.scrape_interval_seconds + 10


def prometheus_url(settings: StackSettings) -> str:
    return f"http://127.0.0.1:{settings.prometheus_port}"


@pytest.fixture(scope="module")
def exposed(stack_settings: StackSettings) -> set[str]:
    """Every metric family the stack's processes and the exporter expose now."""
    names: set[str] = set()
    for job, targets in scrape_targets(stack_settings, load_project_config()).items():
        if job == "prometheus":
            continue
        text = httpx.get(f"http://{targets[0]}/metrics", timeout=10).text
        names |= {family.name for family in text_string_to_metric_families(text)}
    return names


@pytest.fixture(scope="module")
def rules(stack_settings: StackSettings) -> list[dict[str, Any]]:
    """The rules Prometheus loaded from supabase/monitoring/rules/."""
    answer = httpx.get(f"{prometheus_url(stack_settings)}/api/v1/rules", timeout=5).json()
    return [rule for group in answer["data"]["groups"] for rule in group["rules"]]


def recorded(rules: list[dict[str, Any]]) -> set[str]:
    return {rule["name"] for rule in rules if rule["type"] == "recording"}


def unloaded(settings: StackSettings) -> set[str]:
    """The exporter's pg_stat_statements figures while the cluster has not been restarted with
    the library preloaded (a shared non-durable test cluster takes it at its next start)."""
    with psycopg.connect(settings.database_url.get_secret_value()) as conn:
        row = conn.execute("show shared_preload_libraries").fetchone()
    loaded = row is not None and "pg_stat_statements" in str(row[0])
    return set() if loaded else {"rfl_statements_calls"}


def test_prometheus_scrapes_every_process_of_the_stack(stack_settings: StackSettings) -> None:
    expected = scrape_targets(stack_settings, load_project_config())
    assert set(expected) >= {"api", "indexer", "storage-reconcile", "postgres", "prometheus"}
    assert str(stack_settings.api_port) not in str(expected)  # never the public API port
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        answer = httpx.get(f"{prometheus_url(stack_settings)}/api/v1/targets", timeout=5).json()
        health = {
            target["labels"]["job"]: (target["health"], target["scrapeUrl"])
            for target in answer["data"]["activeTargets"]
        }
        if all(health.get(job, ("",))[0] == "up" for job in expected):
            break
        if time.monotonic() > deadline:
            pytest.fail(f"not every target is up: {health}")
        time.sleep(1)
    for job, targets in expected.items():
        assert health[job][1].startswith(f"http://{targets[0]}/")


def test_the_rules_are_loaded(rules: list[dict[str, Any]]) -> None:
    loaded = {rule["name"] for rule in rules}
    assert {
        "job:rfl_http_errors:ratio_rate5m",
        "route:rfl_http_request_duration_seconds:p99_5m",
    } <= loaded
    assert {"RflHighErrorRate", "RflReplicationSlotRetainsWal", "RflBackupTooOld"} <= loaded


def test_every_dashboard_panel_reads_an_exposed_metric(
    stack_settings: StackSettings, exposed: set[str], rules: list[dict[str, Any]]
) -> None:
    known = exposed | recorded(rules) | EXTERNAL_METRICS | unloaded(stack_settings)
    missing = {
        (panel["title"], name)
        for panel in dashboard()["panels"]
        for target in panel["targets"]
        for name in metric_names(target["expr"])
        if name not in known
    }
    assert missing == set()


def test_every_rule_reads_an_exposed_metric(
    stack_settings: StackSettings, exposed: set[str], rules: list[dict[str, Any]]
) -> None:
    known = exposed | recorded(rules) | EXTERNAL_METRICS | {"up"} | unloaded(stack_settings)
    read = {name for rule in rules for name in metric_names(rule["query"])}
    assert read - known == set()
    assert "rfl_http_requests" in read


def test_the_committed_dashboard_is_the_generated_one() -> None:
    assert Path(DASHBOARD_FILE).read_text() == render(), (
        "run `python -m native_platform.observability.dashboard`"
    )
