"""One client socket: a bounded outbound queue, the read loop, and cleanup when it dies."""

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
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue(settings.outbound_queue_size)
        self._direct = direct_write(websocket.scope)
        self._overflowed = False
        self._corked: list[bytes] | None = None
        self._background: set[asyncio.Task[None]] = set()
        socket_opened()

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Run a task tied to this socket (kept referenced until done)."""
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def send(self, frame: Frame, cache: dict[str, bytes] | None = None) -> None:
        """Write a frame now when the socket takes it, else queue it; `cache` shares one
        encoding per protocol version across a fan-out."""
        if self._overflowed:
            return
        wire = cache.get(self.vsn) if cache is not None else None
        if wire is None:
            wire = text_frame(encode_frame(frame, self.vsn).encode())
            if cache is not None:
                cache[self.vsn] = wire
        if self._corked is not None:
            self._corked.append(wire)
        # Queued frames go first: a direct write is only taken when nothing waits before it.
        elif not (self._direct is not None and self._queue.empty() and self._direct(wire)):
            self._enqueue(wire)

    def _enqueue(self, wire: bytes) -> None:
        try:
            self._queue.put_nowait(wire)
        except asyncio.QueueFull:
            # A client that cannot keep up is dropped rather than buffered without bound.
            self._overflowed = True
            record_slow_consumer()
            log.warning("socket %s too slow, closing", self.id)

    def cork(self) -> None:
        """Hold frames until `uncork`, which writes them with one system call."""
        if self._corked is None:
            self._corked = []

    def uncork(self) -> None:
        held, self._corked = self._corked or [], None
        if not held or self._overflowed:
            return
        if self._direct is not None and self._queue.empty() and self._direct(b"".join(held)):
            return
        for wire in held:
            self._enqueue(wire)

    def reply(self, request: Frame, status: str, response: dict[str, Any]) -> None:
        payload = {"status": status, "response": response}
        self.send(Frame(request.topic, "phx_reply", payload, request.ref, request.join_ref))

    async def write_loop(self) -> None:
        while True:
            wire = await self._queue.get()
            if wire is None or self._overflowed:
                break
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

    async def close_writer(self, writer: asyncio.Task[None]) -> None:
        socket_closed()
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(None)
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await writer
