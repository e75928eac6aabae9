"""Logs: one JSON object per line on standard output, which the supervisor appends to the
process's log file under the state folder (`rfl logs`).

Each line has `timestamp` (UTC, ISO 8601), `level`, `service`, `logger`, `message`, and, inside
a request, `request_id`, `trace_id` (the client's, when it sent a `traceparent`) and `user_id`.
Tokens, passwords and secrets are never logged: messages are scrubbed of bearer tokens, JWTs
and `password=`/`secret=`/`key=`/`token=` values before they are written, whatever a library
puts in them.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pythonjsonlogger.json import JsonFormatter
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from native_platform.caller import TokenRejected, bearer_token, stack_verifier
from native_platform.observability.tracing import current_trace_id, parse_traceparent

__all__ = ["RequestLog", "configure_logging", "log_context", "log_files", "scrub"]

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
user_id: ContextVar[str | None] = ContextVar("user_id", default=None)
trace_id: ContextVar[str | None] = ContextVar("trace_id", default=None)

SECRETS = re.compile(
    r"(?i)(bearer\s+)[\w.~+/=-]+"
    r"|eyJ[\w-]*\.[\w-]+\.[\w-]*"
    r"|((?:password|passwd|secret|api[_-]?key|apikey|token|authorization)\s*[=:]\s*['\"]?)"
    r"[^\s'\"&,;]+"
)
REQUEST_ID = re.compile(r"^[\w.:-]{1,128}$")


def scrub(text: str) -> str:
    """The text with bearer tokens, JWTs and `secret=value`-style values replaced."""
    return SECRETS.sub(lambda m: f"{m[1] or m[2] or ''}[redacted]", text)


def log_context() -> dict[str, str]:
    """The request's identifiers for a log line (only those that are known)."""
    values = {
        "request_id": request_id.get(),
        "trace_id": current_trace_id() or trace_id.get(),
        "user_id": user_id.get(),
    }
    return {key: value for key, value in values.items() if value}


class ContextFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        for key, value in log_context().items():
            setattr(record, key, value)
        return True


class Formatter(JsonFormatter):
    def __init__(self) -> None:
        super().__init__(
            "%(levelname)s %(service)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp=False,
        )

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        log_data["timestamp"] = datetime.fromtimestamp(record.created, UTC).isoformat(
            timespec="milliseconds"
        )
        super().add_fields(log_data, record, message_dict)

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        return scrub(super().formatMessage(record))

    def formatException(self, ei: Any) -> str | list[str]:  # type: ignore[override]  # noqa: N802
        text = super().formatException(ei)
        return scrub(text) if isinstance(text, str) else [scrub(line) for line in text]

    def jsonify_log_record(self, log_data: dict[str, Any]) -> str:
        message = log_data.get("message")
        if isinstance(message, str):
            log_data["message"] = scrub(message)
        return super().jsonify_log_record(log_data)


def configure_logging(service: str, level: int = logging.INFO) -> None:
    """Send every logger of the process (uvicorn's included) as JSON lines to stdout."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(Formatter())
    handler.addFilter(ContextFilter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        named = logging.getLogger(name)
        named.handlers[:] = []
        named.propagate = True
    # uvicorn's access line would repeat RequestLog's, with the query string.
    logging.getLogger("uvicorn.access").disabled = True
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


access_log = logging.getLogger("rfl.access")


class RequestLog:
    """Gives each HTTP request a request id (the client's `X-Request-Id` when well formed),
    echoes it in the response, and writes one access line: method, path (no query string),
    status, duration, and the caller's user id from the stack's one verifier."""

    def __init__(self, app: ASGIApp, jwt_secret: str) -> None:
        self.app = app
        self.verifier = stack_verifier(jwt_secret)

    def caller(self, headers: dict[bytes, bytes]) -> str | None:
        token = bearer_token(headers.get(b"authorization", b"").decode("latin-1"))
        try:
            return self.verifier.verify(token).user_id if token else None
        except TokenRejected:
            return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        rid = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        parent = parse_traceparent(headers.get(b"traceparent", b"").decode("latin-1"))
        tokens = (
            request_id.set(rid),
            user_id.set(self.caller(headers)),
            trace_id.set(format(parent.trace_id, "032x") if parent else None),
        )
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append("X-Request-Id", rid)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            access_log.info(
                "%s %s %s",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            request_id.reset(tokens[0])
            user_id.reset(tokens[1])
            trace_id.reset(tokens[2])


def log_files(state_dir: Path, service: str | None = None) -> list[Path]:
    """The stack's log files (`logs/<service>.log`, then Postgres's), or one service's; a
    service with no log file yet raises ValueError naming those that have one."""
    files = {path.stem: path for path in sorted((state_dir / "logs").glob("*.log"))}
    # Postgres: its JSON log (the collector's), and what pg_ctl printed before the collector
    # started (startup failures land there).
    postgres = [state_dir / "postgres" / "postgres.log", state_dir / "postgres" / "postgres.json"]
    if service is None:
        return [path for path in [*files.values(), *postgres] if path.exists()]
    if service == "postgres":
        return [path for path in postgres if path.exists()] or postgres[:1]
    if service not in files:
        known = ", ".join(sorted([*files, "postgres"]))
        raise ValueError(f"no log for service {service!r}; known: {known}")
    return [files[service]]
