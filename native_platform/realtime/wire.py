"""Server pushes written straight to the socket. A fan-out sends the same text frame to many
sockets; through ASGI each copy costs a task switch and a trip through the websocket stack.
`DirectWriteProtocol` is uvicorn's sans-io websocket protocol (use it as uvicorn's `ws`) that
offers the ASGI scope extension `DIRECT_WRITE`: a `DirectSocket` that writes a ready-made frame
at once while the connection is open (the transport buffers what the peer has not taken yet),
tells how many bytes wait in that buffer, and aborts the connection (dropping them). The caller
bounds the buffer (a slow consumer is aborted, see connection.py). Frames are unmasked and
uncompressed (RSV1 clear), valid even when the client negotiated permessage-deflate."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.http11 import Request
from websockets.protocol import State

__all__ = [
    "DIRECT_WRITE",
    "DirectSocket",
    "DirectWriteProtocol",
    "direct_write",
    "frame_text",
    "text_frame",
]

DIRECT_WRITE = "rfl.websocket.direct_write"


@dataclass(frozen=True)
class DirectSocket:
    """What the server offers under `DIRECT_WRITE`."""

    # Writes a frame now; False when the connection is no longer open.
    write: Callable[[bytes], bool]
    # Bytes written but not yet taken by the peer's TCP stack (the transport's buffer).
    buffered: Callable[[], int]
    # Closes the connection at once, dropping what is buffered.
    abort: Callable[[], None]


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


def direct_write(scope: Mapping[str, Any]) -> DirectSocket | None:
    """The server's direct writer for this websocket, when it offers one."""
    writer = (scope.get("extensions") or {}).get(DIRECT_WRITE)
    return writer if isinstance(writer, DirectSocket) else None


class DirectWriteProtocol(WebSocketsSansIOProtocol):
    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None:
            direct = DirectSocket(self.write_frame, self.buffered_bytes, self.abort_connection)
            scope["extensions"][DIRECT_WRITE] = direct

    def write_frame(self, frame: bytes) -> bool:
        """Write `frame` now if the connection is open, even above the transport's high-water
        mark (the caller bounds the buffer); False leaves it to the ASGI path (which fails on a
        closed socket)."""
        if (
            self.disconnected
            or self.close_sent
            or not self.handshake_complete
            or self.conn.state is not State.OPEN
            or self.transport.is_closing()
        ):
            return False
        self.transport.write(frame)
        return True

    def buffered_bytes(self) -> int:
        return 0 if self.transport.is_closing() else self.transport.get_write_buffer_size()

    def abort_connection(self) -> None:
        """Drop the connection and its buffer; uvicorn then reports the disconnect to the app."""
        self.transport.abort()
