"""Frame codecs, and the V2 wire format realtime-js speaks (arrays and binary broadcasts)."""

from __future__ import annotations

import json
import uuid

import pytest

from native_platform.realtime.protocol import Frame, ProtocolError, decode_frame, encode_frame
from tests.native_platform.realtime.support import RawSocket, RealtimeEnv, Server

CAPTURED_JS_BROADCAST = bytes.fromhex("03 01 01 0e 04 00 01 36 37") + b'realtime:room1move{"x":1}'


def test_decode_v1_object() -> None:
    """V1 objects keep refs as strings."""
    frame = decode_frame('{"topic":"t","event":"e","payload":{},"ref":1,"join_ref":"2"}')
    assert frame == Frame("t", "e", {}, "1", "2")


def test_decode_captured_js_binary_broadcast() -> None:
    """The kind-3 frame captured from realtime-js becomes a broadcast push."""
    frame = decode_frame(CAPTURED_JS_BROADCAST)
    assert frame == Frame(
        "realtime:room1",
        "broadcast",
        {"type": "broadcast", "event": "move", "payload": {"x": 1}},
        "7",
        "6",
    )


@pytest.mark.parametrize(
    "data",
    ["[1,2,3]", "42", '{"topic":"t","event":"e","payload":[]}', b"\x03\x05", b"\x03" + bytes(6)],
)
def test_decode_rejects_malformed(data: str | bytes) -> None:
    """Anything but a well-formed frame raises ProtocolError."""
    with pytest.raises(ProtocolError):
        decode_frame(data)


def test_encode_v1_push_carries_null_ref() -> None:
    """Server pushes in V1 carry `ref: null` (realtime-py requires the key)."""
    text = encode_frame(Frame("t", "broadcast", {"a": 1}), "1.0.0")
    assert json.loads(text) == {
        "topic": "t",
        "event": "broadcast",
        "payload": {"a": 1},
        "ref": None,
        "join_ref": None,
    }


@pytest.mark.anyio
async def test_v2_join_heartbeat_and_binary_broadcast(
    realtime_env: RealtimeEnv, server: Server
) -> None:
    """A V2 client joins with arrays, gets array replies, and its binary broadcast fans out."""
    token = realtime_env.token(str(uuid.uuid4()))
    sender = await RawSocket.open(server, token, vsn="2.0.0")
    listener = await RawSocket.open(server, token, vsn="2.0.0")
    reply = await sender.join("room1", {"broadcast": {"self": False}})
    assert reply["join_ref"] is None and reply["payload"] == {
        "status": "ok",
        "response": {"postgres_changes": []},
    }
    await listener.join("room1")
    await sender.connection.send(CAPTURED_JS_BROADCAST)
    frame = await listener.expect("broadcast")
    assert frame["topic"] == "realtime:room1" and frame["join_ref"] is None
    assert frame["payload"] == {"type": "broadcast", "event": "move", "payload": {"x": 1}}
    ref = await sender.send("phoenix", "heartbeat", {})
    beat = await sender.expect("phx_reply", "phoenix")
    assert beat["ref"] == ref and beat["payload"]["status"] == "ok"
    await sender.close()
    await listener.close()
