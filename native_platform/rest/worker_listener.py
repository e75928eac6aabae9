"""The standalone REST server's listening socket when it runs several worker processes."""

from __future__ import annotations

import socket
from typing import Any

__all__ = ["WorkerListener"]


class WorkerListener(socket.socket):
    """The standalone server's address, of which each worker process gets a listener of its
    own in one SO_REUSEPORT group, so that the kernel spreads new connections over the workers
    (ADR 0039).

    uvicorn hands every worker the socket it was given: the workers then share one listening
    socket, and the first awake takes every connection waiting (16 opened at once often went
    16 / 0 or 14 / 2, and the server served as one worker). A worker process unpickles this
    object as a new listener on the same address (`_listen`), so one made again for a restarted
    worker too. Here it is only bound, never listening: it holds the address, and no connection
    is ever queued to it.

    A port in use fails with EADDRINUSE, as a plain listener's would: first a socket without
    SO_REUSEPORT is bound there and closed, because another server started with this class on
    the same port would otherwise join the group and take half the connections.
    """

    def __init__(self, host: str, port: int, backlog: int) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
            port = probe.getsockname()[1]  # port 0: the one the system chose
        super().__init__(family, socket.SOCK_STREAM)
        _reuse_address(self)
        self.bind((host, port))
        self.backlog = backlog

    def __reduce__(self) -> tuple[Any, ...]:
        return (_listen, (self.family, self.getsockname(), self.backlog))


def _reuse_address(sock: socket.socket) -> None:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)


def _listen(family: socket.AddressFamily, address: tuple[Any, ...], backlog: int) -> socket.socket:
    """A worker's own listener on the server's address (see `WorkerListener`)."""
    sock = socket.socket(family, socket.SOCK_STREAM)
    _reuse_address(sock)
    sock.bind(address)
    sock.listen(backlog)
    return sock
