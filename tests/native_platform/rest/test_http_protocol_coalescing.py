"""The uvicorn protocol that writes a response's head with its first body part (http_protocol.py):
every kind of answer still arrives whole: plain, HEAD, streamed, uvicorn's own 500, and a
`100 Continue` goes out before the body is sent."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from native_platform.rest.http_protocol import CoalescingHttpToolsProtocol

PORT = 26440  # this helper's own range (26400-26499)


async def plain(_: Request) -> Response:
    return JSONResponse({"ok": True})


async def streamed(_: Request) -> Response:
    async def parts() -> AsyncIterator[bytes]:
        for part in (b"one,", b"two,", b"three"):
            yield part

    return StreamingResponse(parts(), media_type="text/plain")


async def broken(_: Request) -> Response:
    raise RuntimeError("boom")


async def echo(request: Request) -> Response:
    return Response(await request.body(), media_type="text/plain")


APP = Starlette(
    routes=[
        Route("/plain", plain, methods=["GET", "HEAD"]),
        Route("/streamed", streamed),
        Route("/broken", broken),
        Route("/echo", echo, methods=["POST"]),
    ]
)


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    config = uvicorn.Config(
        APP, host="127.0.0.1", port=PORT, log_level="critical", http=CoalescingHttpToolsProtocol
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{PORT}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_plain_head_and_keep_alive(url: str) -> None:
    with httpx.Client(base_url=url, timeout=5) as client:
        for _ in range(3):  # one kept-alive connection, one transport wrapper per response
            response = client.get("/plain")
            assert response.status_code == 200 and response.json() == {"ok": True}
        head = client.head("/plain")
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == str(len(b'{"ok":true}'))


def test_streamed_body_arrives_whole(url: str) -> None:
    response = httpx.get(url + "/streamed", timeout=5)
    assert response.status_code == 200 and response.text == "one,two,three"
    assert response.headers["transfer-encoding"] == "chunked"


def test_uvicorns_own_500_is_sent(url: str) -> None:
    """uvicorn writes its 500 in one piece: held as a head, it still goes out on the next turn."""
    response = httpx.get(url + "/broken", timeout=5)
    assert response.status_code == 500 and response.text == "Internal Server Error"


@contextmanager
def _connection(url: str) -> Iterator[socket.socket]:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        yield sock


def test_100_continue_is_not_held(url: str) -> None:
    """The interim answer goes out before the client sends its body, and the final answer after."""
    body = b"hello"
    with _connection(url) as sock:
        sock.sendall(
            b"POST /echo HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\n"
            b"Content-Length: 5\r\nContent-Type: text/plain\r\n\r\n"
        )
        interim = sock.recv(4096)
        assert interim.startswith(b"HTTP/1.1 100 Continue")
        sock.sendall(body)
        answer = b""
        while not answer.endswith(body):
            chunk = sock.recv(4096)
            assert chunk, f"connection closed early: {answer!r}"
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200 OK")
