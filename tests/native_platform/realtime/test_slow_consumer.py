"""Slow consumers: a socket whose client stops reading holds a bounded number of outbound bytes,
then is closed (as Supabase Realtime kills a socket over its heap limit) and counted, while the
other subscribers of the topic keep receiving."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator

import pytest
import websockets
from prometheus_client import REGISTRY

from tests.native_platform.realtime.support import RawSocket, RealtimeEnv, Server

pytestmark = pytest.mark.anyio

LIMIT = 256 * 1024
MESSAGES = 200
# 200 of these (9.6 MB) outgrow what the kernel's socket buffers absorb for a stalled client.
PAYLOAD = "x" * 48_000


def outbound_bytes() -> float:
    return REGISTRY.get_sample_value("rfl_realtime_outbound_bytes") or 0.0


def slow_consumers_dropped() -> float:
    return REGISTRY.get_sample_value("rfl_realtime_slow_consumers_dropped_total") or 0.0


def small_buffer_socket(server: Server) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    sock.connect(("127.0.0.1", server.port))
    sock.setblocking(False)
    return sock


@pytest.fixture(scope="module")
def bounded_server(realtime_env: RealtimeEnv) -> Iterator[Server]:
    update = {"max_events_per_second": 1000, "max_outbound_bytes": LIMIT}
    node = Server(realtime_env.settings.model_copy(update=update)).start()
    yield node
    node.stop()


async def test_stalled_consumer_is_closed_with_bounded_buffer(
    realtime_env: RealtimeEnv, bounded_server: Server
) -> None:
    """While one subscriber reads nothing, the node's unsent bytes never pass the per-socket
    limit (plus the frame that crossed it); the stalled socket is dropped and counted, and
    another subscriber receives every broadcast."""
    server = bounded_server
    token = realtime_env.token(role="anon")
    dropped = slow_consumers_dropped()
    url = f"{server.url}/websocket?apikey={token}&vsn=1.0.0"
    # max_queue=1: once one frame waits unread, the client stops reading the TCP stream.
    stalled = await websockets.connect(
        url, max_queue=1, sock=small_buffer_socket(server), close_timeout=0.5
    )
    join = {"topic": "realtime:slow", "event": "phx_join", "payload": {"config": {}}, "ref": "1"}
    await stalled.send(json.dumps({**join, "join_ref": "1"}))
    reader = await RawSocket.open(server, token)
    publisher = await RawSocket.open(server, token)
    await reader.join("slow")
    await publisher.join("slow")
    broadcast = {"type": "broadcast", "event": "e", "payload": {"x": PAYLOAD}}
    for _ in range(MESSAGES):
        await publisher.send("realtime:slow", "broadcast", broadcast)
    received, highest = 0, 0.0
    while received < MESSAGES:
        frame = await reader.expect("broadcast", "realtime:slow")
        received += frame["payload"]["payload"]["x"] == PAYLOAD
        highest = max(highest, outbound_bytes())
    assert received == MESSAGES
    assert highest <= LIMIT + len(PAYLOAD) + 1024
    assert slow_consumers_dropped() == dropped + 1
    # The stalled client finds its connection closed once it reads again.
    with pytest.raises(websockets.ConnectionClosed):
        while True:
            await asyncio.wait_for(stalled.recv(), 10)
    await reader.close()
    await publisher.close()
