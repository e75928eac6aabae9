"""`rfl up --nodes 2`: two gateways behind Debian's nginx (native_platform/proxy.py), started by
the same service object `rfl up` uses, against the test stack's database. Requests are served by
both nodes, a node's death is survived (nginx tries the other node when one refuses the
connection: docs/deployment.md, "Retries"), and realtime broadcast crosses nodes through the
backplane."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from realtime import AsyncRealtimeChannel, AsyncRealtimeClient, RealtimeSubscribeStates

from native_platform.processes import BackgroundService
from native_platform.proxy import NODE_PORT_OFFSET, ProxiedNodes, proxied_api, render_nginx_config
from native_platform.settings import StackSettings
from native_platform.stack import api_command
from tests.helpers.realtime_options import channel_options
from tests.helpers.servers import free_port

pytestmark = [
    pytest.mark.skipif(
        not Path("/usr/sbin/nginx").exists(), reason="nginx is installed by scripts/bootstrap.sh"
    ),
    # BackgroundService detaches its processes (as `rfl up` does): Popen objects dropped while
    # the process runs are the point, not a leak.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


def bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_api_port() -> int:
    """A free port whose nodes' ports (NODE_PORT_OFFSET above it) are free too."""
    while True:
        port = free_port()
        if all(bindable(port + NODE_PORT_OFFSET + index) for index in (1, 2)):
            return port


@pytest.fixture
def two_nodes(
    stack_settings: StackSettings, stack_settings_file: Path, tmp_path: Path
) -> Iterator[tuple[StackSettings, ProxiedNodes]]:
    settings = stack_settings.model_copy(
        update={"api_port": free_api_port(), "state_dir": tmp_path}
    )
    api = BackgroundService(
        "api", api_command(settings), tmp_path, {"RFL_ENV_FILE": str(stack_settings_file)}
    )
    front = proxied_api(api, settings, 2)
    assert isinstance(front, ProxiedNodes)
    try:
        front.start()
        deadline = time.monotonic() + 30
        while not answers(f"{settings.api_url}/health"):
            assert time.monotonic() < deadline, (tmp_path / "logs" / "nginx.log").read_text()
            time.sleep(0.2)
        yield settings, front
    finally:
        front.stop()


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def served_by(settings: StackSettings, count: int) -> list[str]:
    """The node (upstream address) of each of `count` reads through nginx; each must succeed."""
    key = settings.anon_key.get_secret_value()
    nodes = []
    with httpx.Client(base_url=settings.api_url, headers={"apikey": key}) as client:
        for _ in range(count):
            answer = client.get("/rest/v1/lexemes?select=id&limit=1")
            assert answer.status_code == 200, answer.text
            nodes.append(answer.headers["x-rfl-node"])
    return nodes


def test_the_rendered_config_is_valid_nginx(stack_settings: StackSettings, tmp_path: Path) -> None:
    import subprocess

    (tmp_path / "tmp").mkdir()
    config = tmp_path / "nginx.conf"
    config.write_text(render_nginx_config(stack_settings, [1001, 1002], tmp_path))
    checked = subprocess.run(
        ["/usr/sbin/nginx", "-t", "-p", str(tmp_path), "-c", str(config), "-e", "stderr"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    text = config.read_text()
    assert "server 127.0.0.1:1001 max_fails=2" in text
    assert "ssl" not in text
    assert "client_max_body_size 1m;" in text
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in text


def test_both_nodes_serve_and_one_nodes_death_is_survived(
    two_nodes: tuple[StackSettings, ProxiedNodes],
) -> None:
    settings, front = two_nodes
    ports = {port for _, port in front.nodes}
    assert ports == {
        settings.api_port + NODE_PORT_OFFSET + 1,
        settings.api_port + NODE_PORT_OFFSET + 2,
    }
    seen = {address.rsplit(":", 1)[1] for address in served_by(settings, 10)}
    assert seen == {str(port) for port in ports}

    first, _ = front.nodes[0]
    pid = first.pid()
    assert pid is not None
    os.killpg(pid, signal.SIGKILL)
    # Every read succeeds without a client retry; once nginx marked the node failed, only the
    # other one serves.
    addresses = served_by(settings, 20)
    assert addresses[-1].endswith(f":{front.nodes[1][1]}")
    assert first.crashed()


def settle(
    done: asyncio.Future[RealtimeSubscribeStates],
) -> Callable[[RealtimeSubscribeStates, Exception | None], None]:
    def callback(state: RealtimeSubscribeStates, _: Exception | None) -> None:
        if not done.done():
            done.set_result(state)

    return callback


async def received_across_nodes(settings: StackSettings, front: ProxiedNodes) -> Any:
    key = settings.anon_key.get_secret_value()
    # One client on each node, one through nginx (the websocket upgrade).
    urls = [f"ws://127.0.0.1:{port}/realtime/v1" for _, port in front.nodes]
    urls.append(f"{settings.api_url.replace('http', 'ws')}/realtime/v1")
    clients = [AsyncRealtimeClient(url, token=key, auto_reconnect=False) for url in urls]
    topic = f"nodes-{os.getpid()}-{time.monotonic_ns()}"
    received: asyncio.Queue[Any] = asyncio.Queue()
    channels: list[AsyncRealtimeChannel] = []
    try:
        for client in clients:
            await client.connect()
            channel = client.channel(topic, channel_options({"broadcast": {"self": False}}))
            channels.append(channel)
        for listener in channels[1:]:
            listener.on_broadcast("roll", received.put_nowait)
        for channel in channels:
            subscribed: asyncio.Future[RealtimeSubscribeStates] = asyncio.Future()
            await channel.subscribe(settle(subscribed))
            assert await asyncio.wait_for(subscribed, 10) == RealtimeSubscribeStates.SUBSCRIBED
        await channels[0].send_broadcast("roll", {"total": 17})
        return [await asyncio.wait_for(received.get(), 10) for _ in channels[1:]]
    finally:
        for client in clients:
            await client.close()


def test_broadcast_crosses_nodes(two_nodes: tuple[StackSettings, ProxiedNodes]) -> None:
    settings, front = two_nodes
    messages = asyncio.run(received_across_nodes(settings, front))
    assert [message["payload"] for message in messages] == [{"total": 17}] * 2
