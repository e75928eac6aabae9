"""Traces: the OpenTelemetry SDK configured by the standard `OTEL_*` variables.

Off unless asked for: `OTEL_TRACES_EXPORTER=otlp` (or `console`), or an
`OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT`, turns it on; `OTEL_SDK_DISABLED=true` wins over both.
When off, nothing is installed and the helpers below cost one attribute lookup.

What a trace holds (docs/observability.md):
- one SERVER span per HTTP request at the gateway, whose parent is the client's W3C
  `traceparent` when it sends one; the URL is recorded without its query string (REST filters
  hold values, some URLs hold tokens);
- one INTERNAL span per mounted service (`rest`, `auth`, `functions/dice`, …);
- one CLIENT span per SQL statement that reads or writes a table or calls a function, named
  `<KIND> <table>`, with the statement kind, the table and the rows affected or returned,
  never the statement's text or its parameter values (plumbing such as the caller context's
  `select set_config(…)` gets none);
- the statement carries the span's `traceparent` to Postgres as a trailing sqlcommenter
  comment (`/*traceparent='00-…'*/`), which `pg_stat_activity.query`, the slow-query log and
  `current_query()` show: the outbox and the realtime bus read it from there.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from opentelemetry import context, propagate, trace
from opentelemetry.trace import Link, Span, SpanKind, Status, StatusCode
from psycopg import sql
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "PipelineSpans",
    "ServiceSpan",
    "TracingMiddleware",
    "configure_tracing",
    "current_trace_id",
    "flush_traces",
    "parse_traceparent",
    "span",
    "span_from_traceparents",
    "tracing_enabled",
]

TRACER_NAME = "roll_for_language"
TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
STATEMENT = re.compile(
    r"^\s*(?:/\*.*?\*/\s*)*(?P<kind>[a-z]+)\b(?P<rest>.*)", re.IGNORECASE | re.DOTALL
)
TABLE = re.compile(r"\b(?:from|into|table)\s+(?:only\s+)?(?P<table>[\w.\"]+)", re.IGNORECASE)
NAME = re.compile(r"\s*(?:only\s+)?(?P<table>[\w.\"]+)", re.IGNORECASE)
KINDS = frozenset(
    "select insert update delete merge with set call begin commit rollback listen notify alter"
    " create drop grant revoke lock savepoint release show reset copy truncate do".split()
)

_state: dict[str, Any] = {"enabled": False}


def tracing_enabled(env: Mapping[str, str] | None = None) -> bool:
    """Whether the `OTEL_*` variables ask for traces (off when none is set)."""
    values = os.environ if env is None else env
    if values.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporter = values.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporter:
        return exporter != "none"
    return bool(
        values.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        or values.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    )


def configure_tracing(service: str) -> bool:
    """Install the tracer provider and the psycopg tracing for this process, once; return
    whether traces are on. `service.name` is `OTEL_SERVICE_NAME`, else `rfl-<service>`."""
    if _state["enabled"] or not tracing_enabled():
        return bool(_state["enabled"])
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        ConsoleSpanExporter,
        SpanExporter,
    )

    name = os.environ.get("OTEL_SERVICE_NAME") or f"rfl-{service}"
    resource = Resource.create({"service.name": name, "service.namespace": "roll-for-language"})
    provider = TracerProvider(resource=resource)
    exporter: SpanExporter
    if os.environ.get("OTEL_TRACES_EXPORTER", "").strip().lower() == "console":
        exporter = ConsoleSpanExporter()
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    install_psycopg_tracing()
    _state.update(enabled=True, provider=provider)
    return True


def flush_traces(timeout_millis: int = 5000) -> None:
    """Export what is buffered (tests, and before a process exits)."""
    provider = _state.get("provider")
    if provider is not None:
        provider.force_flush(timeout_millis)


@functools.cache
def tracer() -> trace.Tracer:
    """One tracer for the process (the SDK builds a new one, warnings filter included, per
    get_tracer call); a proxy until configure_tracing installs the provider."""
    return trace.get_tracer(TRACER_NAME)


def current_trace_id() -> str | None:
    """The current span's trace id in hex, if a span is being recorded."""
    span_context = trace.get_current_span().get_span_context()
    return format(span_context.trace_id, "032x") if span_context.is_valid else None


@contextmanager
def span(
    name: str, attributes: Mapping[str, Any] | None = None, kind: SpanKind = SpanKind.INTERNAL
) -> Iterator[Span]:
    """A child span of the current one (a no-op span while tracing is off)."""
    with tracer().start_as_current_span(name, kind=kind, attributes=attributes) as current:
        yield current


def parse_traceparent(value: str | None) -> trace.SpanContext | None:
    match = TRACEPARENT.match(value or "")
    if match is None or set(match[1]) == {"0"} or set(match[2]) == {"0"}:
        return None
    return trace.SpanContext(
        int(match[1], 16), int(match[2], 16), is_remote=True, trace_flags=trace.TraceFlags(1)
    )


@contextmanager
def span_from_traceparents(
    name: str,
    traceparents: Sequence[str | None],
    attributes: Mapping[str, Any] | None = None,
    kind: SpanKind = SpanKind.CONSUMER,
) -> Iterator[Span]:
    """A span for work that started in other requests (outbox rows, bus messages): child of
    the one traceparent when there is one, else linked to each."""
    if not _state["enabled"]:
        with span(name, attributes, kind) as current:
            yield current
        return
    distinct = {c.span_id: c for c in map(parse_traceparent, traceparents) if c is not None}
    parents = list(distinct.values())
    parent = (
        trace.set_span_in_context(trace.NonRecordingSpan(parents[0]))
        if len(parents) == 1
        else context.Context()
    )
    links = [Link(c) for c in parents] if len(parents) > 1 else None
    with tracer().start_as_current_span(
        name, context=parent, kind=kind, attributes=attributes, links=links
    ) as current:
        yield current


# --- HTTP ------------------------------------------------------------------------------


class TracingMiddleware:
    """The gateway's SERVER span per HTTP request, child of the client's `traceparent`
    (OTEL_PROPAGATORS, W3C by default). Websockets are long-lived and get no span of their own.

    Hand-written rather than opentelemetry-instrumentation-asgi: that middleware records the
    URL with its query string (REST filters hold values, some URLs tokens) and costs more per
    request (docs/observability.md); this one records method, path, scheme and status, the
    attributes of the HTTP semantic conventions that carry no values."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # The headers the configured propagators read (OTEL_PROPAGATORS: W3C trace context
        # and baggage by default).
        self.propagation_headers = frozenset(
            name.encode("latin-1") for name in propagate.get_global_textmap().fields
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _state["enabled"]:
            await self.app(scope, receive, send)
            return
        # Only the propagation headers: decoding every header of every request costs more
        # than the span itself when the request is not sampled.
        carrier = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in scope["headers"]
            if name in self.propagation_headers
        }
        attributes = {
            "http.request.method": scope["method"],
            "url.path": scope["path"],
            "url.scheme": scope.get("scheme", "http"),
        }
        with tracer().start_as_current_span(
            f"{scope['method']} {scope['path']}",
            context=propagate.extract(carrier),
            kind=SpanKind.SERVER,
            attributes=attributes,
        ) as current:

            async def send_status(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                    current.set_attribute("http.response.status_code", status)
                    if status >= 500:
                        current.set_status(Status(StatusCode.ERROR))
                await send(message)

            await self.app(scope, receive, send_status)


class ServiceSpan:
    """An INTERNAL span named after the mounted service around each of its HTTP requests."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service
        self.attributes = {"rfl.service": service}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _state["enabled"]:
            await self.app(scope, receive, send)
            return
        # FastAPI (≥ 0.160) would open its own SERVER span from the headers, beside this one
        # and with the query string: the key tells it the request is already observed.
        scope.setdefault("fastapi.telemetry", None)
        if not trace.get_current_span().is_recording():
            # The request was not sampled: its children would not be either (parent-based
            # sampling), so the span is not worth its cost.
            await self.app(scope, receive, send)
            return
        with tracer().start_as_current_span(self.service, attributes=self.attributes):
            await self.app(scope, receive, send)


# --- SQL -------------------------------------------------------------------------------


def statement_text(query: Any, conn: Any) -> str:
    if isinstance(query, sql.Composable):
        return query.as_string(conn)
    if isinstance(query, bytes):
        return query.decode("utf8", "replace")
    return str(query)


@functools.lru_cache(maxsize=2048)
def describe(text: str) -> tuple[str, str | None]:
    """The statement's kind and its first table, read from its text (never its values)."""
    match = STATEMENT.match(text)
    if match is None or match["kind"].lower() not in KINDS:
        return "SQL", None
    kind = match["kind"].upper()
    found = (NAME.match if kind in ("UPDATE", "TRUNCATE") else TABLE.search)(match["rest"])
    return kind, found["table"].replace('"', "") if found else None


def with_traceparent(text: str, current: Span) -> str:
    span_context = current.get_span_context()
    traceparent = f"00-{span_context.trace_id:032x}-{span_context.span_id:016x}-01"
    return f"{text} /*traceparent='{traceparent}'*/"


def _statement_attributes(kind: str, table: str) -> dict[str, str]:
    return {
        "db.system": "postgresql",
        "db.system.name": "postgresql",
        "db.operation.name": kind,
        "db.collection.name": table,
    }


def _record_rows(current: Span, rowcount: int) -> None:
    if rowcount >= 0:
        current.set_attribute("db.response.returned_rows", rowcount)


def _record_error(current: Span, error: BaseException | None) -> None:
    if isinstance(error, psycopg.Error):
        current.set_attribute("db.response.status_code", error.sqlstate or "")
        current.set_status(Status(StatusCode.ERROR, type(error).__name__))


class StatementSpan:
    """Opens the CLIENT span of one statement and says what to execute."""

    def __init__(self, text: str, kind: str, table: str) -> None:
        self.text = text
        self.manager = tracer().start_as_current_span(
            f"{kind} {table}", kind=SpanKind.CLIENT, attributes=_statement_attributes(kind, table)
        )

    def __enter__(self) -> str:
        self.current = self.manager.__enter__()
        return with_traceparent(self.text, self.current)

    def finish(self, rowcount: int) -> None:
        _record_rows(self.current, rowcount)

    def __exit__(self, *exc: Any) -> None:
        _record_error(self.current, exc[1])
        self.manager.__exit__(*exc)


def _traced(query: Any, conn: Any) -> tuple[str, str, str] | None:
    """(text, kind, table) of a statement to trace: inside a recorded span, when it reads or
    writes a table or calls a function; plumbing (`select set_config(…)`, `set role`, `begin`)
    gets none, and keeps its text, so query caches and prepared statements still serve it."""
    if not _state["enabled"] or not trace.get_current_span().is_recording():
        return None
    text = statement_text(query, conn)
    kind, table = describe(text)
    return None if table is None else (text, kind, table)


def statement_span(cursor: Any, query: Any) -> StatementSpan | None:
    """The span of a statement run by a cursor, when it is traced (`_traced`)."""
    traced = _traced(query, cursor.connection)
    return None if traced is None else StatementSpan(*traced)


class PipelineSpans:
    """The CLIENT spans of statements sent together in one pipeline (REST's, ADR 0035).

    The same spans as `TracedCursor`'s, but siblings under the current span, each open from
    the send until the pipeline's results are back. `queries` are the statements to send in
    their place: a traced statement carries its span's traceparent comment."""

    def __init__(self, conn: Any, queries: Sequence[Any]) -> None:
        self.spans: list[Span | None] = []
        self.queries: list[Any] = []
        for query in queries:
            traced = _traced(query, conn)
            if traced is None:
                self.spans.append(None)
                self.queries.append(query)
                continue
            text, kind, table = traced
            current = tracer().start_span(
                f"{kind} {table}",
                kind=SpanKind.CLIENT,
                attributes=_statement_attributes(kind, table),
            )
            self.spans.append(current)
            self.queries.append(with_traceparent(text, current))

    def end(self, rowcounts: Sequence[int] | None, error: BaseException | None) -> None:
        """End the spans: the rows each statement returned, or the pipeline's error."""
        for index, current in enumerate(self.spans):
            if current is None:
                continue
            if rowcounts is not None:
                _record_rows(current, rowcounts[index])
            _record_error(current, error)
            current.end()


class TracedCursor(psycopg.Cursor[Any]):
    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> TracedCursor:
        statement = statement_span(self, query)
        if statement is None:
            super().execute(query, params, **kwargs)
            return self
        with statement as text:
            super().execute(text, params, **kwargs)
            statement.finish(self.rowcount)
        return self


class TracedAsyncCursor(psycopg.AsyncCursor[Any]):
    async def execute(self, query: Any, params: Any = None, **kwargs: Any) -> TracedAsyncCursor:
        statement = statement_span(self, query)
        if statement is None:
            await super().execute(query, params, **kwargs)
            return self
        with statement as text:
            await super().execute(text, params, **kwargs)
            statement.finish(self.rowcount)
        return self


def install_psycopg_tracing() -> None:
    """Every connection opened from now on (pools included) traces its statements: the
    default cursor class is replaced where none is asked for. Spans are made only inside a
    recording span, so background polling outside requests stays silent."""
    for cls, cursor in ((psycopg.Connection, TracedCursor), (psycopg.AsyncConnection, None)):
        original = cls.__dict__["connect"].__func__
        if getattr(original, "_rfl_traced", False):
            continue
        factory = cursor or TracedAsyncCursor
        cls.connect = classmethod(wrap_connect(original, factory))  # type: ignore[method-assign,assignment]
    psycopg.connect = psycopg.Connection.connect


def wrap_connect(original: Any, factory: type) -> Any:
    import inspect

    if inspect.iscoroutinefunction(original):

        async def connect_async(cls: Any, *args: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("cursor_factory", factory)
            return await original(cls, *args, **kwargs)

        connect_async._rfl_traced = True  # type: ignore[attr-defined]
        return connect_async

    def connect(cls: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("cursor_factory", factory)
        return original(cls, *args, **kwargs)

    connect._rfl_traced = True  # type: ignore[attr-defined]
    return connect


def inject_headers(headers: dict[str, str]) -> dict[str, str]:
    """Add the current trace context to outgoing HTTP headers (W3C `traceparent`)."""
    propagate.inject(headers)
    return headers
