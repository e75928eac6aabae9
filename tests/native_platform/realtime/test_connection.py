"""One socket's outbound path: a consumer that stops reading does not hold up the others."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
import websockets

from tests.native_platform.realtime.support import RawSocket, RealtimeEnv, Server

pytestmark = pytest.mark.anyio

MESSAGES = 200
PAYLOAD = "x" * 48_000  # 200 of these (9.6 MB) outgrow the stalled client's small socket buffer


def small_buffer_socket(server: Server) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    sock.connect(("127.0.0.1", server.port))
    sock.setblocking(False)
    return sock


@pytest.fixture(scope="module")
def fast_publisher_server(realtime_env: RealtimeEnv) -> Iterator[Server]:
    node = Server(realtime_env.settings.model_copy(update={"max_events_per_second": 1000})).start()
    yield node
    node.stop()


async def test_stalled_consumer_does_not_hold_up_others(
    realtime_env: RealtimeEnv, fast_publisher_server: Server
) -> None:
    """While one subscriber reads nothing, another still receives every broadcast."""
    server = fast_publisher_server
    token = realtime_env.token(role="anon")
    url = f"{server.url}/websocket?apikey={token}&vsn=1.0.0"
    # max_queue=1: once one frame waits unread, the client stops reading the TCP stream.
    stalled = await websockets.connect(
        url, max_queue=1, sock=small_buffer_socket(server), close_timeout=0.5
    )
    join = {"topic": "realtime:feed", "event": "phx_join", "payload": {"config": {}}, "ref": "1"}
    await stalled.send(json.dumps({**join, "join_ref": "1"}))
    reader = await RawSocket.open(server, token)
    publisher = await RawSocket.open(server, token)
    await reader.join("feed")
    await publisher.join("feed")
    broadcast = {"type": "broadcast", "event": "e", "payload": {"x": PAYLOAD}}
    for _ in range(MESSAGES):
        await publisher.send("realtime:feed", "broadcast", broadcast)
    received = 0
    while received < MESSAGES:
        frame = await reader.expect("broadcast", "realtime:feed")
        received += frame["payload"]["payload"]["x"] == PAYLOAD
    assert received == MESSAGES
    await stalled.close()
    await reader.close()
    await publisher.close()
