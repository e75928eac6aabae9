"""The Grafana dashboard for production, generated from the metric names of metrics.py, the
exporter's queries and the recording rules: `python -m native_platform.observability.dashboard`
writes supabase/monitoring/grafana/roll-for-language.json (committed; a test fails when it is
stale or a panel names a metric no process exposes)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from native_platform.settings import project_root

__all__ = ["DASHBOARD_FILE", "EXTERNAL_METRICS", "dashboard", "metric_names", "render"]

DASHBOARD_FILE = project_root() / "supabase" / "monitoring" / "grafana" / "roll-for-language.json"
# Metrics of probes outside the stack (docs/observability.md): the blackbox exporter's TLS probe.
EXTERNAL_METRICS = frozenset({"probe_ssl_earliest_cert_expiry"})
METRIC = re.compile(r"\b((?:rfl|probe|up)\w*|[a-z]+:rfl_\w+(?::\w+)?)\b")
SUFFIXES = ("_bucket", "_count", "_sum", "_total", "_created")

# (title, unit, [(PromQL, legend)]) per panel, in reading order, two per row.
PANELS: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("Requests per second by route", "reqps", [
        ("sum by (route) (rate(rfl_http_requests_total[5m]))", "{{route}}"),
    ]),
    ("Error ratio (5xx)", "percentunit", [
        ("job:rfl_http_errors:ratio_rate5m", "{{job}}"),
    ]),
    ("p99 latency by route", "s", [
        ("route:rfl_http_request_duration_seconds:p99_5m", "{{method}} {{route}}"),
    ]),
    ("Rate-limit rejections by limit", "reqps", [
        ("sum by (limit) (rate(rfl_rate_limit_rejections_total[5m]))", "{{limit}}"),
    ]),
    ("Database pools", "short", [
        ("sum by (pool) (rfl_db_pool_in_use)", "in use {{pool}}"),
        ("sum by (pool) (rfl_db_pool_size)", "size {{pool}}"),
        ("sum by (pool) (rate(rfl_db_pool_waits_total[5m]))", "waits/s {{pool}}"),
        ("sum(rfl_db_shared_waiting)", "reads waiting for a shared connection"),
        (
            "sum(rate(rfl_db_shared_batch_size_sum[5m]))"
            " / sum(rate(rfl_db_shared_batch_size_count[5m]))",
            "reads per shared write",
        ),
    ]),
    ("Realtime sockets and channels", "short", [
        ("sum(rfl_realtime_sockets)", "sockets"),
        ("sum(rfl_realtime_channels)", "channels"),
    ]),
    ("Realtime deliveries per second", "ops", [
        ("sum by (kind) (rate(rfl_realtime_deliveries_total[5m]))", "{{kind}}"),
        ("sum(rate(rfl_realtime_slow_consumers_dropped_total[5m]))", "slow consumers dropped"),
    ]),
    ("Realtime delivery lag (p99)", "s", [
        ("job:rfl_realtime_delivery_lag_seconds:p99_5m", "{{job}}"),
    ]),
    ("Replication slots: WAL retained", "bytes", [
        ("rfl_replication_slot_retained_bytes", "{{slot_name}}"),
        ("rfl_wal_directory_bytes", "pg_wal"),
    ]),
    ("Search outbox", "short", [
        ("rfl_search_outbox_depth", "depth"),
        ("rfl_search_outbox_oldest_age_seconds", "oldest (s)"),
    ]),
    ("Search latency (p95)", "s", [
        (
            "histogram_quantile(0.95, sum by (le) (rate(rfl_search_duration_seconds_bucket[5m])))",
            "p95",
        ),
    ]),
    ("Dice rolls per second by kind", "ops", [
        ("sum by (kind) (rate(rfl_dice_rolls_total[5m]))", "{{kind}}"),
    ]),
    ("Sign-ins per second", "ops", [
        ("sum by (grant, outcome) (rate(rfl_auth_sign_ins_total[5m]))", "{{grant}} {{outcome}}"),
    ]),
    ("Statements per second (pg_stat_statements)", "ops", [
        ("rate(rfl_statements_calls[5m])", "statements"),
    ]),
    ("Backup age", "s", [
        ("time() - rfl_backup_last_timestamp_seconds", "since the newest backup"),
    ]),
    ("Certificate expiry", "s", [
        ("probe_ssl_earliest_cert_expiry - time()", "{{instance}}"),
    ]),
]  # fmt: skip


def panel(index: int, title: str, unit: str, queries: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "id": index + 1,
        "type": "timeseries",
        "title": title,
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "gridPos": {"h": 8, "w": 12, "x": 12 * (index % 2), "y": 8 * (index // 2)},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "targets": [
            {"refId": chr(ord("A") + n), "expr": expr, "legendFormat": legend}
            for n, (expr, legend) in enumerate(queries)
        ],
    }


def dashboard() -> dict[str, Any]:
    return {
        "uid": "roll-for-language",
        "title": "Roll for Language",
        "tags": ["roll-for-language"],
        "timezone": "utc",
        "schemaVersion": 39,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "type": "datasource",
                    "query": "prometheus",
                    "label": "Prometheus",
                }
            ]
        },
        "panels": [panel(i, *spec) for i, spec in enumerate(PANELS)],
    }


def render() -> str:
    return json.dumps(dashboard(), indent=2) + "\n"


def metric_names(expr: str) -> set[str]:
    """The metric (and recording-rule) names an expression reads, without sample suffixes."""
    names = set()
    for name in METRIC.findall(expr):
        for suffix in SUFFIXES:
            if ":" not in name and name.endswith(suffix):
                name = name.removesuffix(suffix)
                break
        names.add(name)
    return names


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else DASHBOARD_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render())
    sys.stdout.write(f"wrote {target}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
