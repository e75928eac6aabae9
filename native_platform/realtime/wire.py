"""Server pushes written straight to the socket. A fan-out sends the same text frame to many
sockets; through ASGI each copy costs a task switch and a trip through the websocket stack.
`DirectWriteProtocol` is uvicorn's sans-io websocket protocol (use it as uvicorn's `ws`) that
offers the ASGI scope extension `DIRECT_WRITE`: a callable writing a ready-made frame at once
when the socket is open and not flow-controlled, else returning False (the caller then sends
through ASGI). Frames are unmasked and uncompressed (RSV1 clear), valid even when the client
negotiated permessage-deflate."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.http11 import Request
from websockets.protocol import State

__all__ = [
    "DIRECT_WRITE",
    "DirectWrite",
    "DirectWriteProtocol",
    "direct_write",
    "frame_text",
    "text_frame",
]

DIRECT_WRITE = "rfl.websocket.direct_write"
DirectWrite = Callable[[bytes], bool]


def text_frame(payload: bytes) -> bytes:
    """A final, unmasked text frame carrying `payload` (UTF-8)."""
    size = len(payload)
    if size < 126:
        header = bytes((0x81, size))
    elif size < 1 << 16:
        header = bytes((0x81, 126)) + size.to_bytes(2, "big")
    else:
        header = bytes((0x81, 127)) + size.to_bytes(8, "big")
    return header + payload


def frame_text(frame: bytes) -> str:
    """The text a frame made by `text_frame` carries."""
    start = {126: 4, 127: 10}.get(frame[1], 2)
    return frame[start:].decode()


def direct_write(scope: Mapping[str, Any]) -> DirectWrite | None:
    """The server's direct writer for this websocket, when it offers one."""
    writer = scope.get("extensions", {}).get(DIRECT_WRITE)
    return writer if callable(writer) else None


class DirectWriteProtocol(WebSocketsSansIOProtocol):
    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None:
            scope["extensions"][DIRECT_WRITE] = self.write_frame

    def write_frame(self, frame: bytes) -> bool:
        """Write `frame` now if the connection is open and its buffer is below the high-water
        mark; False leaves it to the ASGI path (which waits, or fails on a closed socket)."""
        if (
            self.disconnected
            or self.close_sent
            or not self.handshake_complete
            or not self.writable.is_set()
            or self.conn.state is not State.OPEN
            or self.transport.is_closing()
        ):
            return False
        self.transport.write(frame)
        return True
