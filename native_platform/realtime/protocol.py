"""Phoenix channel frames: V1 JSON objects, V2 JSON arrays and V2 binary user broadcasts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

__all__ = ["Frame", "ProtocolError", "decode_frame", "encode_frame"]

V1 = "1.0.0"
V2 = "2.0.0"
USER_BROADCAST_PUSH = 3


class ProtocolError(Exception):
    """The client sent a frame we cannot read."""


@dataclass(frozen=True)
class Frame:
    """One message; `ref`/`join_ref` are None on server pushes."""

    topic: str
    event: str
    payload: dict[str, Any] = field(default_factory=dict)
    ref: str | None = None
    join_ref: str | None = None


def _optional_ref(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value)
    raise ProtocolError("ref and join_ref must be strings")


def _frame(topic: object, event: object, payload: object, ref: object, join_ref: object) -> Frame:
    if not isinstance(topic, str) or not isinstance(event, str):
        raise ProtocolError("topic and event must be strings")
    if not isinstance(payload, dict):
        raise ProtocolError("payload must be an object")
    return Frame(topic, event, payload, _optional_ref(ref), _optional_ref(join_ref))


def _decode_text(data: str | bytes) -> Frame:
    try:
        message = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise ProtocolError("frame is not JSON") from None
    if isinstance(message, list) and len(message) == 5:
        join_ref, ref, topic, event, payload = message
        return _frame(topic, event, payload, ref, join_ref)
    if isinstance(message, dict):
        return _frame(
            message.get("topic"),
            message.get("event"),
            message.get("payload", {}),
            message.get("ref"),
            message.get("join_ref"),
        )
    raise ProtocolError("frame must be an object or a 5-element array")


def _decode_binary_broadcast(data: bytes) -> Frame:
    """Kind 3: `03 jrLen refLen topicLen eventLen metaLen enc` then the strings and payload."""
    if len(data) < 7:
        raise ProtocolError("binary frame too short")
    lengths = data[1:6]
    encoding = data[6]
    offset = 7
    parts = []
    for length in lengths:
        parts.append(data[offset : offset + length].decode("utf-8", errors="strict"))
        offset += length
    if offset > len(data):
        raise ProtocolError("binary frame truncated")
    join_ref, ref, topic, event, meta = parts
    if encoding != 1:
        raise ProtocolError("binary broadcast payloads are not supported, send JSON")
    try:
        payload = orjson.loads(data[offset:])
        extra = orjson.loads(meta) if meta else {}
    except orjson.JSONDecodeError:
        raise ProtocolError("binary frame payload is not JSON") from None
    broadcast = {"type": "broadcast", "event": event, "payload": payload, **extra}
    return _frame(topic, "broadcast", broadcast, ref or None, join_ref or None)


def decode_frame(data: str | bytes) -> Frame:
    """Parse one client frame of either version."""
    if isinstance(data, bytes) and data[:1] == bytes([USER_BROADCAST_PUSH]):
        try:
            return _decode_binary_broadcast(data)
        except UnicodeDecodeError:
            raise ProtocolError("binary frame strings must be UTF-8") from None
    return _decode_text(data)


def encode_frame(frame: Frame, vsn: str) -> str:
    """Serialize for a client speaking `vsn` (server pushes always carry `ref: null` in V1)."""
    if vsn == V2:
        message: object = [frame.join_ref, frame.ref, frame.topic, frame.event, frame.payload]
    else:
        message = {
            "topic": frame.topic,
            "event": frame.event,
            "payload": frame.payload,
            "ref": frame.ref,
            "join_ref": frame.join_ref,
        }
    return orjson.dumps(message).decode()
