"""The local Prometheus and prometheus-postgres-exporter: their commands and Prometheus's config,
generated from config.toml's `[metrics]` into the state folder at each `rfl up`.

Both are Debian's packages (scripts/bootstrap.sh); a machine without them runs the stack without
them. Rules live in supabase/monitoring/rules/ and are loaded from there; `promtool` checks and
unit-tests them in `rfl test` (`rule_checks`).
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from native_platform.observability.metrics import metrics_ports
from native_platform.project_config import ProjectConfig
from native_platform.settings import StackSettings, project_root

__all__ = [
    "KEY_FIGURES",
    "MONITORING_DIR",
    "key_figures",
    "exporter_command",
    "exporter_env",
    "prometheus_command",
    "reload",
    "rule_checks",
    "write_prometheus_config",
]

MONITORING_DIR = project_root() / "supabase" / "monitoring"
RULES_DIR = MONITORING_DIR / "rules"
EXPORTER_QUERIES = MONITORING_DIR / "postgres-exporter-queries.yml"
PROMETHEUS = "prometheus"
EXPORTER = "prometheus-postgres-exporter"
PROMTOOL = "promtool"


def installed(program: str) -> bool:
    return shutil.which(program) is not None


def scrape_targets(settings: StackSettings, config: ProjectConfig) -> dict[str, list[str]]:
    """Job name → its `host:port` targets: every process of the stack and the exporter."""
    ports = metrics_ports(settings.metrics_port, config.enabled_workers())
    targets = {name: [f"127.0.0.1:{port}"] for name, port in ports.items()}
    targets["postgres"] = [f"127.0.0.1:{settings.postgres_exporter_port}"]
    targets["prometheus"] = [f"127.0.0.1:{settings.prometheus_port}"]
    return targets


def config_path(settings: StackSettings) -> Path:
    return settings.state_dir / "prometheus" / "prometheus.yml"


def write_prometheus_config(settings: StackSettings, config: ProjectConfig) -> Path:
    """`<state dir>/prometheus/prometheus.yml` (JSON is YAML): scrape every target every
    `scrape_interval_seconds`, load the rules of supabase/monitoring/rules/."""
    interval = f"{config.metrics.scrape_interval_seconds}s"
    body = {
        "global": {
            "scrape_interval": interval,
            "evaluation_interval": interval,
            "external_labels": {"project": config.project_id},
        },
        "rule_files": [str(RULES_DIR / "*.yml")],
        "scrape_configs": [
            {"job_name": job, "static_configs": [{"targets": targets}]}
            for job, targets in scrape_targets(settings, config).items()
        ],
    }
    path = config_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body, indent=2) + "\n")
    return path


def reload(settings: StackSettings) -> None:
    """Make a running Prometheus reread its config and rules (`--web.enable-lifecycle`)."""
    try:
        httpx.post(f"http://127.0.0.1:{settings.prometheus_port}/-/reload", timeout=5.0)
    except httpx.HTTPError:
        pass  # not answering: it reads the new config when it starts again


def prometheus_command(settings: StackSettings, config: ProjectConfig) -> list[str]:
    data_dir = settings.state_dir / "prometheus" / "data"
    return [
        PROMETHEUS,
        f"--config.file={config_path(settings)}",
        f"--storage.tsdb.path={data_dir}",
        f"--storage.tsdb.retention.time={config.metrics.retention_days}d",
        f"--web.listen-address=127.0.0.1:{settings.prometheus_port}",
        "--web.enable-lifecycle",
    ]


def exporter_command(settings: StackSettings) -> list[str]:
    return [
        EXPORTER,
        f"--web.listen-address=127.0.0.1:{settings.postgres_exporter_port}",
        f"--extend.query-path={EXPORTER_QUERIES}",
        "--disable-settings-metrics",
    ]


def exporter_env(settings: StackSettings) -> dict[str, str]:
    """The exporter reads its DSN from the environment, never from its command line."""
    return {"DATA_SOURCE_NAME": settings.database_url.get_secret_value() + "?sslmode=disable"}


def rule_checks() -> list[tuple[str, list[str]]]:
    """`promtool check rules` over every rule file and `promtool test rules` over the unit
    tests with synthetic series (supabase/monitoring/tests/): static checks of `rfl test`."""
    if not installed(PROMTOOL):
        missing = ["sh", "-c", "echo 'promtool is missing: run scripts/bootstrap.sh'; exit 1"]
        return [("promtool", missing)]
    rules = sorted(str(path) for path in RULES_DIR.glob("*.yml"))
    tests = sorted(str(path) for path in (MONITORING_DIR / "tests").glob("*.yml"))
    return [
        ("promtool check rules", [PROMTOOL, "check", "rules", *rules]),
        ("promtool test rules", [PROMTOOL, "test", "rules", *tests]),
    ]


def seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.1f} s"


def age(value: float) -> str:
    if value <= 0:
        return "never"
    elapsed = time.time() - value
    return f"{elapsed / 3600:.1f} h ago" if elapsed >= 3600 else f"{elapsed / 60:.0f} min ago"


# `rfl status`'s figures: label, PromQL (one value), how to show it.
KEY_FIGURES: tuple[tuple[str, str, Callable[[float], str]], ...] = (
    ("requests", "sum(rate(rfl_http_requests_total[5m]))", lambda v: f"{v:.2f}/s"),
    (
        "errors (5xx)",
        'sum(rate(rfl_http_requests_total{status_class="5xx"}[5m]))'
        " / sum(rate(rfl_http_requests_total[5m]))",
        lambda v: f"{v:.2%}",
    ),
    (
        "p99 latency",
        "histogram_quantile(0.99,"
        " sum by (le) (rate(rfl_http_request_duration_seconds_bucket[5m])))",
        seconds,
    ),
    ("realtime sockets", "sum(rfl_realtime_sockets)", lambda v: f"{v:.0f}"),
    ("outbox depth", "sum(rfl_search_outbox_depth)", lambda v: f"{v:.0f}"),
    ("outbox oldest", "max(rfl_search_outbox_oldest_age_seconds)", seconds),
    (
        "slot WAL retained",
        "max(rfl_replication_slot_retained_bytes)",
        lambda v: f"{v / 1e6:.1f} MB",
    ),
    ("last backup", "max(rfl_backup_last_timestamp_seconds)", age),
)


def key_figures(settings: StackSettings) -> list[tuple[str, str]]:
    """Each figure of KEY_FIGURES from the local Prometheus ("-" when it has no value yet);
    empty when Prometheus does not answer."""
    url = f"http://127.0.0.1:{settings.prometheus_port}/api/v1/query"
    figures = []
    try:
        with httpx.Client(timeout=3.0) as client:
            for label, query, show in KEY_FIGURES:
                result = client.get(url, params={"query": query}).json()["data"]["result"]
                number = float(result[0]["value"][1]) if result else float("nan")
                figures.append((label, "-" if number != number else show(number)))
    except (httpx.HTTPError, KeyError, ValueError):
        return []
    return figures
