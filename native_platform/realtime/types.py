"""Shared shapes of the realtime package, so that modules depend on them and not on each other.

A Channel only needs to hand frames to its socket and to run tasks tied to it; describing that
as `Outbox` lets `channel` (and the node, which fans out through channels) stay below
`connection` in the import graph: connection → node → channel → types, never back.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Literal, Protocol

from native_platform.realtime.protocol import Frame

__all__ = ["Outbox", "Revocation", "RevocationHandler", "Socket"]

# What the database revoked for a channel: its whole session, or (some of) its user's rights.
Revocation = Literal["session", "rights"]
RevocationHandler = Callable[[Revocation], None]


class Outbox(Protocol):
    """The socket side a channel writes to (implemented by `connection.Connection`)."""

    def send(self, frame: Frame, cache: dict[str, bytes] | None = None) -> None:
        """Write or queue one frame; pushes sharing `cache` share one encoding."""

    def send_cached(self, cache: dict[str, bytes]) -> bool:
        """Write or queue the frame `cache` holds for this socket's protocol version; False
        (nothing sent) when it holds none yet."""

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Run a task tied to the socket's life."""

    def cork(self) -> None:
        """Hold frames until `uncork`."""

    def uncork(self) -> None:
        """Write the held frames at once."""


class Socket(Protocol):
    """An open client socket as the node counts it (implemented by `connection.Connection`)."""

    def buffered(self) -> int:
        """Outbound bytes its peer has not taken yet."""
