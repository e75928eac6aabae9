"""The Starlette application: routing, body limits, auth, schema choice and error answers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from native_platform.gc_tuning import tune_garbage_collector
from native_platform.rest.api_request import ApiRequest, choose_schema, first_header_values
from native_platform.rest.auth import authenticate
from native_platform.rest.database import Database
from native_platform.rest.errors import ApiError
from native_platform.rest.media import negotiate
from native_platform.rest.openapi import handle_openapi
from native_platform.rest.prefer import parse_prefer
from native_platform.rest.read_handler import handle_read
from native_platform.rest.responses import error_response
from native_platform.rest.rpc_handler import handle_rpc
from native_platform.rest.settings import RestSettings
from native_platform.rest.write_handler import handle_write

__all__ = ["create_app"]

log = logging.getLogger(__name__)

_VERBS = {"GET", "HEAD", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"}
_TABLE_ALLOW = "OPTIONS,GET,HEAD,POST,PUT,PATCH,DELETE"


async def _read_body(request: Request, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(
                413,
                "PGRST102",
                "Request body too large",
                f"The body exceeds the limit of {limit} bytes",
                None,
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _route(method: str, path: str) -> tuple[str, str]:
    """('openapi'|'table'|'rpc', name) for a path relative to the mount."""
    parts = [part for part in path.split("/") if part]
    if not parts:
        return "openapi", ""
    if len(parts) == 1:
        return "table", parts[0]
    if len(parts) == 2 and parts[0] == "rpc":
        if method not in ("GET", "HEAD", "POST", "OPTIONS"):
            raise ApiError(405, "PGRST101", f"Cannot use the {method} method on RPC", None, None)
        return "rpc", parts[1]
    raise ApiError(404, "PGRST125", "Invalid path specified in request URL", None, None)


async def _dispatch(db: Database, request: Request) -> Response:
    method = request.method.upper()
    if method not in _VERBS:
        raise ApiError(405, "PGRST117", f"Unsupported HTTP method: {method}", None, None)
    path = "/" + request.path_params.get("path", "")
    kind, name = _route(method, path)
    if method == "OPTIONS":
        allow = "OPTIONS,GET,HEAD,POST" if kind == "rpc" else _TABLE_ALLOW
        return Response(b"", 200, {"Allow": allow})
    settings = db.settings
    headers = first_header_values(request.scope["headers"])
    identity = authenticate(headers.get("authorization"), settings)
    schema = choose_schema(
        method, headers.get("accept-profile"), headers.get("content-profile"), settings.schemas
    )
    prefs = parse_prefer(request.headers.getlist("prefer"), settings.tx_overridable)
    media = negotiate(
        headers.get("accept"), kind == "openapi", kind == "rpc", settings.db_plan_enabled
    )
    body = b"" if method in ("GET", "HEAD") else await _read_body(request, settings.max_body_bytes)
    req = ApiRequest(
        db, db.ready_cache(), request, method, path, schema, identity, prefs, media, body, headers
    )
    if kind == "openapi":
        if method not in ("GET", "HEAD"):
            raise ApiError(405, "PGRST117", f"Unsupported HTTP method: {method}", None, None)
        return await handle_openapi(req)
    if kind == "rpc":
        return await handle_rpc(req, name)
    if method in ("GET", "HEAD"):
        return await handle_read(req, name)
    return await handle_write(req, name)


class _DisconnectWatch:
    """Cancels the request's task when the client goes away, so its query is cancelled too.

    Neither uvicorn nor Starlette cancels a handler when the client disconnects: the server only
    answers `http.disconnect` to the next `receive()`. Once the handler has read the whole body,
    this watch waits on `receive()` and cancels the task on a disconnect; the request's pipeline
    then sends Postgres a cancel request for the running query and closes its connection, which
    the pool replaces (`native_platform/pipeline.py`). GET and HEAD run without it (ADR 0038).
    """

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self._body_read = asyncio.Event()
        self._watcher: asyncio.Task[None] | None = None

    async def receive(self) -> Message:
        """The handler's `receive`: notes when the last piece of the body was handed over."""
        message = await self._receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            self._body_read.set()
        return message

    def start(self, task: asyncio.Task[Response]) -> None:
        self._watcher = asyncio.create_task(self._watch(task))

    async def _watch(self, task: asyncio.Task[Response]) -> None:
        await self._body_read.wait()
        while (await self._receive())["type"] != "http.disconnect":
            pass
        task.cancel()

    async def stop(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher


async def _answer(db: Database, request: Request) -> Response:
    try:
        return await _dispatch(db, request)
    except ApiError as error:
        return error_response(error, head=request.method == "HEAD")
    except ClientDisconnect:
        raise
    except Exception:  # a bug: still answer in PostgREST's shape, and log it
        log.exception("unhandled error for %s %s", request.method, request.url.path)
        internal = ApiError(500, "XX000", "Internal server error", None, None)
        return error_response(internal, head=request.method == "HEAD")


class _Endpoint:
    """A plain ASGI endpoint, so every verb reaches us (and gets PostgREST's 405)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # A read runs in the server's own task, without a disconnect watch: most share a
        # connection, where a cancel could hit a batch-mate's statement, and each ends within
        # its statement_timeout (ADR 0038). A task and a watch per request cost ~9% of the
        # server's CPU per read (docs/performance.md, twelfth session).
        if scope["method"] in ("GET", "HEAD"):
            response = await _answer(self.db, Request(scope, receive))
            await response(scope, receive, send)
            return
        watch = _DisconnectWatch(receive)
        task = asyncio.create_task(_answer(self.db, Request(scope, watch.receive)))
        watch.start(task)
        try:
            response = await task
        except (asyncio.CancelledError, ClientDisconnect):
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # the server itself is cancelling this request
            return  # the client left: there is nobody to answer
        finally:
            await watch.stop()
        await response(scope, receive, send)


class _RestApplication(Starlette):
    """Starlette without its error middlewares: the endpoint answers every error itself, in
    PostgREST's shape (`_answer`), so Starlette's would only wrap each request and its `send`
    twice more, ~5% of the server's CPU per request (docs/performance.md). A middleware added with
    `add_middleware` (the standalone server's CORS) still wraps the router."""

    def build_middleware_stack(self) -> ASGIApp:
        app: ASGIApp = self.router
        for cls, args, kwargs in reversed(self.user_middleware):
            app = cls(app, *args, **kwargs)
        return app


def create_app(settings: RestSettings) -> Starlette:
    """The REST server; the pool and schema cache live in the app's lifespan."""
    db = Database(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await db.start()
        tune_garbage_collector()
        app.state.rest_database = db
        try:
            yield
        finally:
            await db.stop()

    return _RestApplication(routes=[Route("/{path:path}", _Endpoint(db))], lifespan=lifespan)
