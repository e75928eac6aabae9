"""`rfl up --nodes N`: N gateway nodes on ports of their own behind Debian's nginx on the API
port, so load balancing, a node's death and realtime across nodes run natively too.

The nginx configuration is the container deployment's (`deploy/images/nginx/nginx.conf`, one
file for both), rendered for this machine: the upstream lists the local nodes, the proxy listens
on the API port without TLS (local only), and its pid, temporary files and log stay under the
stack's state folder. Each node believes X-Forwarded-For from 127.0.0.1 only (nginx).
"""

from __future__ import annotations

import getpass
import os
import re
import shutil
import time
from dataclasses import dataclass, replace
from pathlib import Path

import httpx

from native_platform.processes import BackgroundService
from native_platform.settings import StackSettings, project_root

__all__ = [
    "NODE_PORT_OFFSET",
    "ProxiedNodes",
    "node_ports",
    "proxied_api",
    "recorded_nodes",
    "record_nodes",
    "render_nginx_config",
]

NGINX_CONFIG = project_root() / "deploy" / "images" / "nginx" / "nginx.conf"
# Node i (1-based) listens on API_PORT + NODE_PORT_OFFSET + i: 54422, 54423… for the default
# stack (the API port's neighbours are Postgres's and the metrics').
NODE_PORT_OFFSET = 100
NODE_LIVE_TIMEOUT = 60.0
SUPERVISED = "native_platform.observability.supervised"


def node_ports(settings: StackSettings, nodes: int) -> list[int]:
    return [settings.api_port + NODE_PORT_OFFSET + index for index in range(1, nodes + 1)]


def nodes_file(settings: StackSettings) -> Path:
    return settings.state_dir / "run" / "nodes"


def recorded_nodes(settings: StackSettings) -> int:
    """The node count of the last `rfl up --nodes N` (1 when never given)."""
    try:
        return max(1, int(nodes_file(settings).read_text()))
    except (FileNotFoundError, ValueError):
        return 1


def record_nodes(settings: StackSettings, nodes: int) -> None:
    path = nodes_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{nodes}\n")


def render_nginx_config(settings: StackSettings, ports: list[int], folder: Path) -> str:
    """The deployment's nginx.conf for the native stack: listen on the API port (plain HTTP),
    upstream the local nodes, state under `folder`."""
    text = NGINX_CONFIG.read_text()
    servers = "".join(
        f"        server 127.0.0.1:{port} max_fails=2 fail_timeout=10s;\n" for port in ports
    )
    text, upstreams = re.subn(r"(        server api\d+:8000 [^\n]*\n)+", servers, text)
    text, listens = re.subn(
        r"        listen 8443 ssl;\n(        (ssl_|add_header Strict)[^\n]*\n)+",
        f"        listen {settings.api_host}:{settings.api_port};\n",
        text,
    )
    # The container's health-check server (port 8080) has no use here.
    text, health = re.subn(
        r"\n    server \{\n        listen 8080;\n.*?\n    \}\n", "\n", text, flags=re.S
    )
    if (upstreams, listens, health) != (1, 1, 1):
        raise ValueError(f"{NGINX_CONFIG} changed shape: update native_platform/proxy.py")
    # Which node answered, for `rfl status`-free checks and the nodes test (local only).
    text = text.replace(
        "    server_tokens off;\n",
        "    server_tokens off;\n    add_header X-Rfl-Node $upstream_addr always;\n",
    )
    text = text.replace("pid /run/nginx/nginx.pid;", f"pid {folder / 'nginx.pid'};")
    text = text.replace("/var/lib/nginx/tmp/", f"{folder / 'tmp'}/")
    if os.geteuid() == 0:
        # Workers of a master run as root would otherwise be `nobody`, locked out of `folder`.
        text = text.replace(
            "worker_processes auto;", f"user {getpass.getuser()};\nworker_processes 2;"
        )
    else:
        text = text.replace("worker_processes auto;", "worker_processes 2;")
    return text


def nginx_binary() -> str:
    return shutil.which("nginx") or "/usr/sbin/nginx"


def node_command(api_command: list[str], port: int, keep_metrics: bool) -> list[str]:
    """The single gateway's command (`Stack.api`) for one node: its own port, proxy headers
    believed from nginx only; the metrics launcher kept for the first node alone (one port)."""
    command = list(api_command)
    if not keep_metrics and command[2:3] == [SUPERVISED]:
        command = [command[0], "-m", *command[4:]]
    command[command.index("--port") + 1] = str(port)
    if "--no-proxy-headers" in command:
        at = command.index("--no-proxy-headers")
        command[at : at + 1] = ["--proxy-headers", "--forwarded-allow-ips", "127.0.0.1"]
    return command


@dataclass(frozen=True)
class ProxiedNodes(BackgroundService):
    """nginx (this service) in front of `nodes`: started after them, stopped before them."""

    nodes: tuple[tuple[BackgroundService, int], ...] = ()
    config_text: str = ""

    @property
    def folder(self) -> Path:
        return self.state_dir / "nginx"

    def start(self) -> None:
        for node, _ in self.nodes:
            node.start()
        for node, port in self.nodes:
            wait_live(node, port)
        if self.is_running():
            return
        (self.folder / "tmp").mkdir(parents=True, exist_ok=True)
        (self.folder / "nginx.conf").write_text(self.config_text)
        super().start()

    def stop(self, timeout: float = 15.0) -> None:
        super().stop(timeout)
        for node, _ in self.nodes:
            node.stop(timeout)


def wait_live(node: BackgroundService, port: int) -> None:
    deadline = time.monotonic() + NODE_LIVE_TIMEOUT
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if not node.is_running():
            raise RuntimeError(f"{node.name} exited while starting; see {node.log_file}")
        time.sleep(0.2)
    raise RuntimeError(f"{node.name} not live after {NODE_LIVE_TIMEOUT:.0f}s; see {node.log_file}")


def proxied_api(api: BackgroundService, settings: StackSettings, nodes: int) -> BackgroundService:
    """`api` (the single gateway) itself for one node; else nginx in front of `nodes` copies
    named api1…apiN."""
    if nodes <= 1:
        return api
    ports = node_ports(settings, nodes)
    members = tuple(
        (
            replace(api, name=f"api{index}", command=node_command(api.command, port, index == 1)),
            port,
        )
        for index, port in enumerate(ports, start=1)
    )
    folder = settings.state_dir / "nginx"
    command = [
        nginx_binary(),
        *("-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", "stderr"),
        *("-g", "daemon off;"),
    ]
    config = render_nginx_config(settings, ports, folder)
    return ProxiedNodes("nginx", command, settings.state_dir, None, members, config)
