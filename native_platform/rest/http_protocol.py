"""uvicorn's httptools protocol, sending a response's head and first body part in one write.

uvicorn writes the status line and headers (`http.response.start`) and then the body
(`http.response.body`) with two `transport.write` calls: two `send` syscalls, and the client is
woken for the head alone and again for the body. On this 2-core machine the second send was a
fifth of the auth server's CPU per refresh (docs/performance.md). This protocol holds the head
of each response until the first body part is written, then writes both at once.

Use: `uvicorn --http native_platform.rest.http_protocol:CoalescingHttpToolsProtocol` or
`uvicorn.run(..., http=CoalescingHttpToolsProtocol)`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["CoalescingHttpToolsProtocol"]

_INTERIM = b"HTTP/1.1 1"  # 100 Continue and other 1xx answers go out at once


class _CoalescingTransport:
    """The connection's transport for one request/response cycle; holds the response head.

    The head waits at most until the event loop's next turn: an application writes its body in
    the same turn (Starlette's Response sends both messages without suspending), and a response
    uvicorn writes in one piece (its 500) goes out on that turn.
    """

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._head: bytes | None = None
        self._started = False

    def write(self, data: bytes) -> None:
        if not self._started and not data.startswith(_INTERIM):
            self._started = True
            self._head = data
            self._loop.call_soon(self._flush)
            return
        if self._head is not None:
            data, self._head = self._head + data, None
        self._transport.write(data)

    def _flush(self) -> None:
        if self._head is not None:
            head, self._head = self._head, None
            if not self._transport.is_closing():
                self._transport.write(head)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        cycle = getattr(self, "cycle", None)
        if cycle is not None and cycle.transport is self.transport:
            cycle.transport = _CoalescingTransport(self.transport, self.loop)
