"""CORS: PostgREST's exposed headers, any origin unless a list is given, and the middleware
answering as Starlette's."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from starlette.middleware import cors
from starlette.types import Message, Receive, Scope, Send

from native_platform.cors import CORSMiddleware, cors_options


def test_cors_options_allow_any_origin_by_default() -> None:
    """Without a list every origin is allowed, with credentials, and Content-Range is exposed."""
    options = cors_options()
    assert options["allow_origin_regex"] == ".*"
    assert options["allow_credentials"] is True
    assert "Content-Range" in options["expose_headers"]


def test_cors_options_add_extra_exposed_headers_after_postgrest_ones() -> None:
    """A given origin list is kept and extra headers are exposed too."""
    options = cors_options(["http://localhost:3000"], ("Proxy-Status",))
    assert options["allow_origins"] == ["http://localhost:3000"]
    assert options["expose_headers"][-1] == "Proxy-Status"


# --- the middleware: Starlette's answers, byte for byte -------------------------------------

ORIGINS = st.sampled_from(["https://game.example", "http://localhost:3000", "null"])
HEADER_NAMES = st.sampled_from(
    [b"accept", b"authorization", b"origin", b"access-control-request-method", b"x-extra"]
)
REQUEST_HEADERS = st.lists(st.tuples(HEADER_NAMES, st.sampled_from([b"GET", b"*/*", b"x"])))
RESPONSE_HEADERS = st.lists(
    st.tuples(
        st.sampled_from([b"content-type", b"vary", b"Vary", b"content-range"]),
        st.sampled_from([b"Accept", b"application/json", b"0-0/*", b"Accept-Encoding"]),
    ),
    max_size=4,
)


async def _messages(
    middleware: type[cors.CORSMiddleware],
    options: dict[str, Any],
    scope: Scope,
    answer: list[tuple[bytes, bytes]] | tuple[tuple[bytes, bytes], ...],
) -> list[Message]:
    async def app(_scope: Scope, _receive: Receive, send: Send) -> None:
        fresh = answer if isinstance(answer, tuple) else list(answer)  # each run its own list
        start: Message = {"type": "http.response.start", "status": 200, "headers": fresh}
        await send(start)
        await send({"type": "http.response.body", "body": b"[]"})

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append({**message, "headers": list(message.get("headers", ()))})

    await middleware(app, **options)(dict(scope), receive, send)
    return sent


@given(
    method=st.sampled_from(["GET", "POST", "OPTIONS"]),
    origin=st.one_of(st.none(), ORIGINS),
    request_headers=REQUEST_HEADERS,
    answer=RESPONSE_HEADERS,
    as_tuple=st.booleans(),
    origin_list=st.booleans(),
)
def test_the_middleware_answers_as_starlettes(
    method: str,
    origin: str | None,
    request_headers: list[tuple[bytes, bytes]],
    answer: list[tuple[bytes, bytes]],
    as_tuple: bool,
    origin_list: bool,
) -> None:
    """With or without `Origin`, a preflight or not, an answer that already varies or not (its
    headers a list or a tuple, as ASGI allows): the same messages as Starlette's own middleware
    (ours only takes a shorter way)."""
    headers = [(name, value) for name, value in request_headers if name != b"origin"]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    scope: Scope = {"type": "http", "method": method, "path": "/films", "headers": headers}
    options = cors_options(["https://game.example"] if origin_list else None)
    given_answer = tuple(answer) if as_tuple else answer

    async def both() -> tuple[list[Message], list[Message]]:
        ours = await _messages(CORSMiddleware, options, scope, given_answer)
        theirs = await _messages(cors.CORSMiddleware, options, scope, given_answer)
        return ours, theirs

    ours, theirs = asyncio.run(both())
    assert ours == theirs
