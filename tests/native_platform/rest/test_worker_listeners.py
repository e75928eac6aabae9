"""Several workers of the standalone server: each listens on its own socket (ADR 0039)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from native_platform.settings import StackSettings
from tests.native_platform.rest.support import RestServer, start_server, stop_server

LISTEN, ESTABLISHED = "0A", "01"


def _sockets(port: int, state: str) -> set[str]:
    """The inodes of this machine's IPv4 TCP sockets on local `port` in `state`."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == state:
            inodes.add(fields[9])
    return inodes


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(fd) if fd.is_symlink() else ""
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    return inodes


def _workers(server: RestServer) -> list[int]:
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    pids = [int(pid) for pid in children.read_text().split()]
    return [pid for pid in pids if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text()]


def _port(server: RestServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


def _wait_listening(port: int, listeners: int = 2) -> None:
    deadline = time.monotonic() + 20
    while len(_sockets(port, LISTEN)) != listeners:
        if time.monotonic() > deadline:
            pytest.fail(f"not {listeners} listeners on port {port}")
        time.sleep(0.1)


@pytest.fixture
def two_workers(rest: RestServer, stack_settings: StackSettings) -> Iterator[RestServer]:
    server = start_server(rest.dsn, stack_settings, {"PGRST_SERVER_WORKERS": "2"})
    _wait_listening(_port(server))  # ready once one worker answers; the other may still start
    yield server
    stop_server(server)


def test_each_worker_listens_and_connections_reach_both(two_workers: RestServer) -> None:
    """Two listening sockets on the port, one per worker, and sixteen connections opened at
    once are spread over both workers (with one shared socket the first worker awake often
    took them all)."""
    port = _port(two_workers)
    workers = _workers(two_workers)
    assert len(workers) == 2
    listening = _sockets(port, LISTEN)
    assert len(listening) == 2
    assert all(len(_socket_inodes(pid) & listening) == 1 for pid in workers)

    clients = [httpx.Client(base_url=two_workers.url) for _ in range(16)]
    try:
        assert all(client.get("/films?select=id").status_code == 200 for client in clients)
        connections = _sockets(port, ESTABLISHED)
        held = [len(_socket_inodes(pid) & connections) for pid in workers]
        assert sum(held) == 16 and min(held) > 0, held
    finally:
        for client in clients:
            client.close()


def test_a_restarted_worker_listens_again(two_workers: RestServer) -> None:
    """A worker that dies is replaced by one with a listener of its own."""
    port = _port(two_workers)
    killed = _workers(two_workers)[0]
    os.kill(killed, 9)
    deadline = time.monotonic() + 20
    while killed in _workers(two_workers) or len(_workers(two_workers)) != 2:
        if time.monotonic() > deadline:
            pytest.fail("the worker was not replaced")
        time.sleep(0.2)
    _wait_listening(port)
    for _ in range(20):  # new connections, spread over both listeners
        assert httpx.get(two_workers.url + "/films?select=id").status_code == 200


def test_a_second_server_on_the_port_fails_instead_of_sharing_it(
    two_workers: RestServer,
) -> None:
    """A second server started on a port in use exits at once, as a plain listener would; it
    does not join the workers' group and take a share of their connections."""
    env = {**os.environ, "PGRST_SERVER_PORT": str(_port(two_workers)), "PGRST_SERVER_WORKERS": "2"}
    second = subprocess.run(
        [sys.executable, "-m", "native_platform.rest"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert second.returncode == 1
    assert "Address already in use" in second.stderr
    assert len(_sockets(_port(two_workers), LISTEN)) == 2
