"""One client socket: frames written straight to it (or queued for ASGI), the outbound bytes
bounded, the read loop, and cleanup when it dies."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Coroutine
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from native_platform.observability.metrics import record_slow_consumer, socket_closed, socket_opened
from native_platform.realtime.channel import Channel
from native_platform.realtime.limits import RateLimit, WindowLimit
from native_platform.realtime.node import Node
from native_platform.realtime.protocol import Frame, encode_frame
from native_platform.realtime.wire import direct_write, frame_text, text_frame

__all__ = ["Connection"]

log = logging.getLogger(__name__)
OVERFLOW_CLOSE_CODE = 1013


class Connection:
    def __init__(
        self, websocket: WebSocket, node: Node, vsn: str, claims: dict[str, Any], token: str
    ) -> None:
        settings = node.settings
        self.websocket = websocket
        self.node = node
        self.vsn = vsn
        self.claims = claims
        self.token = token
        self.id = uuid.uuid4().hex
        self.channels: dict[str, Channel] = {}
        self.events = RateLimit(settings.max_events_per_second)
        self.presence_calls = WindowLimit(
            settings.max_presence_calls, settings.presence_window_seconds
        )
        self._max_bytes = settings.max_outbound_bytes
        self._max_messages = settings.outbound_queue_size
        # Frames for the ASGI path (servers without the direct writer), with their size.
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._queued_bytes = 0
        self._writer: asyncio.Task[None] | None = None
        self._direct = direct_write(websocket.scope)
        self._overflowed = False
        self._corked: list[bytes] | None = None
        self._background: set[asyncio.Task[None]] = set()
        node.connections.add(self)
        socket_opened()

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Run a task tied to this socket (kept referenced until done)."""
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def buffered(self) -> int:
        """Outbound bytes the peer has not taken yet (in the transport's buffer or queued)."""
        held = self._direct.buffered() if self._direct is not None else 0
        return held + self._queued_bytes

    def send(self, frame: Frame, cache: dict[str, bytes] | None = None) -> None:
        """Write a frame now, or queue it when the server has no direct writer; `cache` shares
        one encoding per protocol version across a fan-out."""
        if (cache is not None and self.send_cached(cache)) or self._overflowed:
            return
        wire = text_frame(encode_frame(frame, self.vsn).encode())
        if cache is not None:
            cache[self.vsn] = wire
        self._hand_over(wire)

    def send_cached(self, cache: dict[str, bytes]) -> bool:
        """`send` of a frame already encoded for this protocol version, without building it:
        the fan-out's common case."""
        if self._overflowed:
            return True
        wire = cache.get(self.vsn)
        if wire is None:
            return False
        self._hand_over(wire)
        return True

    def _hand_over(self, wire: bytes) -> None:
        if self._corked is not None:
            self._corked.append(wire)
        else:
            self._write(wire)

    def _write(self, wire: bytes) -> None:
        buffered = self.buffered()
        # One frame always fits an empty buffer, so a large frame alone never drops a socket.
        too_many = self._queue.qsize() >= self._max_messages
        if buffered and (buffered + len(wire) > self._max_bytes or too_many):
            self._overflow(buffered)
        # Queued frames go first: a direct write is only taken when nothing waits before it.
        elif not (self._direct is not None and self._queue.empty() and self._direct.write(wire)):
            self._queued_bytes += len(wire)
            self._queue.put_nowait(wire)
            if self._writer is None:
                self._writer = asyncio.ensure_future(self._write_loop())

    def _overflow(self, buffered: int) -> None:
        """A client that does not read what it is sent is dropped rather than buffered without
        bound: as Supabase Realtime kills a socket process over its heap limit, the connection
        is closed at once and its pending bytes discarded (the client sees an abnormal close and
        rejoins)."""
        self._overflowed = True
        record_slow_consumer()
        log.warning("socket %s too slow (%d bytes pending), closing", self.id, buffered)
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queued_bytes = 0
        if self._direct is not None:
            self._direct.abort()
        else:
            # Without a direct writer only ASGI can close; the writer does once it gets here.
            self._queue.put_nowait(None)

    def cork(self) -> None:
        """Hold frames until `uncork`, which writes them with one system call."""
        if self._corked is None:
            self._corked = []

    def uncork(self) -> None:
        held, self._corked = self._corked or [], None
        if self._direct is not None and len(held) > 1:
            held = [b"".join(held)]
        for wire in held:
            if not self._overflowed:
                self._write(wire)

    def reply(self, request: Frame, status: str, response: dict[str, Any]) -> None:
        payload = {"status": status, "response": response}
        self.send(Frame(request.topic, "phx_reply", payload, request.ref, request.join_ref))

    async def _write_loop(self) -> None:
        """The ASGI path: frames leave one by one as the server takes them."""
        while (wire := await self._queue.get()) is not None and not self._overflowed:
            self._queued_bytes -= len(wire)
            await self.websocket.send_text(frame_text(wire))
        if self._overflowed:
            await self.websocket.close(OVERFLOW_CLOSE_CODE)

    async def receive(self, timeout: float) -> str | bytes | None:
        """The next frame's data, or None once the socket is closed or silent too long."""
        try:
            message = await asyncio.wait_for(self.websocket.receive(), timeout)
        except (TimeoutError, WebSocketDisconnect, RuntimeError):
            return None
        if message["type"] == "websocket.disconnect":
            return None
        data: str | bytes | None = message.get("text")
        return data if data is not None else message.get("bytes")

    async def close(self) -> None:
        """Forget the socket: stop its ASGI writer, if it ever had one."""
        self.node.connections.discard(self)
        socket_closed()
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._writer
