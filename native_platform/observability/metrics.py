"""Metrics: Prometheus exposition with the official `prometheus_client`, one registry per process.

Every process of the native stack serves `/metrics` on a local-only port of its own (never the
public API port): the gateway on `[metrics] port`, each worker of config.toml on the next ports in
declaration order (`metrics_ports`). Workers need no code for it: the supervisor starts them
through `python -m native_platform.observability.supervised <port> <module> <args…>`, which
serves the metrics and then runs the module as `__main__` (the gateway's uvicorn too).

The names below are the contract of the alert rules (supabase/monitoring/rules/) and of the
Grafana dashboard (supabase/monitoring/grafana/): docs/observability.md lists them. Surfaces record
through the helpers (`counted_sign_in`, `record_dice_roll`, …): one line per counter.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "DB_POOL_COLLECTOR",
    "MetricsMiddleware",
    "RouteProbe",
    "count_channels",
    "count_outbound_bytes",
    "counted_sign_in",
    "metrics_ports",
    "observe_search",
    "record_delivery",
    "record_dice_roll",
    "record_slow_consumer",
    "register_pool",
    "serve_metrics",
    "socket_closed",
    "socket_opened",
]

# Seconds; the REST p99 objective is well under 250 ms, realtime lag under a second.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LAG_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Which limit refused a request: rate_limit.refuse names it in this response header.
RATE_LIMIT_HEADER = b"x-ratelimit-name"
UNMATCHED = "{unmatched}"

HTTP_REQUESTS = Counter(
    "rfl_http_requests",
    "HTTP requests (and websocket handshakes) answered by the gateway",
    ["route", "method", "status_class"],
)
HTTP_DURATION = Histogram(
    "rfl_http_request_duration_seconds",
    "Time from a request's arrival to its response's end, per route template",
    ["route", "method"],
    buckets=LATENCY_BUCKETS,
)
RATE_LIMIT_REJECTIONS = Counter(
    "rfl_rate_limit_rejections", "Requests refused with 429, by the limit that refused", ["limit"]
)
REALTIME_SOCKETS = Gauge("rfl_realtime_sockets", "Open realtime websockets")
REALTIME_CHANNELS = Gauge("rfl_realtime_channels", "Joined realtime channels")
REALTIME_DELIVERIES = Counter(
    "rfl_realtime_deliveries", "Messages written to subscribers, by kind", ["kind"]
)
REALTIME_DELIVERY_LAG = Histogram(
    "rfl_realtime_delivery_lag_seconds",
    "From a change's commit to its delivery to subscribers",
    buckets=LAG_BUCKETS,
)
REALTIME_SLOW_CONSUMERS = Counter(
    "rfl_realtime_slow_consumers_dropped", "Sockets closed because they could not keep up"
)
REALTIME_OUTBOUND_BYTES = Gauge(
    "rfl_realtime_outbound_bytes", "Bytes written to realtime sockets and not yet taken by peers"
)
SHARED_BATCH_SIZE = Histogram(
    "rfl_db_shared_batch_size",
    "Read-only transactions sent in one write on a shared connection (ADR 0038)",
    buckets=(1, 2, 4, 8, 16, 32, 64),
)
SHARED_WAITING = Gauge(
    "rfl_db_shared_waiting", "Read-only transactions waiting for a shared connection now"
)
SEARCH_DURATION = Histogram(
    "rfl_search_duration_seconds", "Search requests, Typesense included", buckets=LATENCY_BUCKETS
)
DICE_ROLLS = Counter("rfl_dice_rolls", "Dice rolls recorded, by kind", ["kind"])
AUTH_SIGN_INS = Counter(
    "rfl_auth_sign_ins",
    "Sign-in attempts (token grants), by grant and outcome",
    ["grant", "outcome"],
)


class PoolCollector(Collector):
    """Size, use and waits of every psycopg pool registered with `register_pool`, read at scrape
    time from the pool's own statistics (psycopg_pool `get_stats`)."""

    def __init__(self) -> None:
        self.pools: dict[str, Any] = {}

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        size = GaugeMetricFamily(
            "rfl_db_pool_size", "Connections open in the pool", labels=["pool"]
        )
        in_use = GaugeMetricFamily("rfl_db_pool_in_use", "Connections lent out", labels=["pool"])
        waiting = GaugeMetricFamily(
            "rfl_db_pool_waiting", "Requests waiting for a connection now", labels=["pool"]
        )
        waits = CounterMetricFamily(
            "rfl_db_pool_waits", "Requests that had to wait for a connection", labels=["pool"]
        )
        wait_time = CounterMetricFamily(
            "rfl_db_pool_wait_seconds", "Time requests spent waiting", labels=["pool"]
        )
        for name, pool in list(self.pools.items()):
            stats: Mapping[str, int] = pool.get_stats()
            size.add_metric([name], stats.get("pool_size", 0))
            in_use.add_metric([name], stats.get("pool_size", 0) - stats.get("pool_available", 0))
            waiting.add_metric([name], stats.get("requests_waiting", 0))
            waits.add_metric([name], stats.get("requests_queued", 0))
            wait_time.add_metric([name], stats.get("requests_wait_ms", 0) / 1000)
        yield from (size, in_use, waiting, waits, wait_time)


DB_POOL_COLLECTOR = PoolCollector()
REGISTRY.register(DB_POOL_COLLECTOR)


def register_pool(name: str, pool: Any) -> None:
    """Expose a psycopg pool's figures as `rfl_db_pool_*{pool=name}` (the newest pool wins)."""
    DB_POOL_COLLECTOR.pools[name] = pool


@contextmanager
def counted_sign_in(grant: str) -> Iterator[None]:
    """Counts a token grant: a success when the block returns, a failure when it raises."""
    try:
        yield
    except BaseException:
        AUTH_SIGN_INS.labels(grant, "failure").inc()
        raise
    AUTH_SIGN_INS.labels(grant, "success").inc()


def record_dice_roll(kind: str) -> None:
    DICE_ROLLS.labels(kind).inc()


def record_delivery(kind: str, count: int, committed_at: float | None = None) -> None:
    """`count` frames of `kind` written to subscribers; the lag from `committed_at` (epoch
    seconds) is observed once per message."""
    if count:
        REALTIME_DELIVERIES.labels(kind).inc(count)
        if committed_at is not None:
            REALTIME_DELIVERY_LAG.observe(max(time.time() - committed_at, 0.0))


def record_slow_consumer() -> None:
    REALTIME_SLOW_CONSUMERS.inc()


def socket_opened() -> None:
    REALTIME_SOCKETS.inc()


def socket_closed() -> None:
    REALTIME_SOCKETS.dec()


def count_outbound_bytes(count: Callable[[], float]) -> None:
    """`rfl_realtime_outbound_bytes` reads `count()` at scrape time (the newest realtime node's)."""
    REALTIME_OUTBOUND_BYTES.set_function(count)


def record_shared_batch(size: int) -> None:
    SHARED_BATCH_SIZE.observe(size)


def count_shared_waiting(count: Callable[[], float]) -> None:
    """`rfl_db_shared_waiting` reads `count()` at scrape time (the newest REST server's)."""
    SHARED_WAITING.set_function(count)


def count_channels(count: Callable[[], float]) -> None:
    """`rfl_realtime_channels` reads `count()` at scrape time (the newest realtime node's)."""
    REALTIME_CHANNELS.set_function(count)


@contextmanager
def observe_search() -> Iterator[None]:
    with SEARCH_DURATION.time():
        yield


ROUTE_KEY = "rfl.metrics.route"


def catch_all(root_path: str, path: str) -> str:
    """REST's `/{path:path}` keeps the table (or `rpc/<function>`): the schema bounds them."""
    head = path[len(root_path) :].lstrip("/").split("/")
    kept = head[:2] if head[0] == "rpc" else head[:1]
    return root_path + "/" + "/".join(kept) + ("/{path}" if len(head) > len(kept) else "")


def template_of(scope: Scope) -> str | None:
    """The matched route's template from the scope the routers filled in (Starlette and
    FastAPI set `route`; each mount adds its prefix to `root_path`)."""
    route = scope.get("route")
    if route is None:
        return None
    root_path: str = scope.get("root_path", "")
    template: str | None = getattr(route, "path_format", None)
    if template is None:
        return None
    if isinstance(route, Mount):
        # An application that does not report its routes: its prefix only.
        return template.removesuffix("/{path}") + "/{path}"
    if is_catch_all(scope):
        return catch_all(root_path, scope["path"])
    return root_path + template


def is_catch_all(scope: Scope) -> bool:
    route = scope.get("route")
    return getattr(route, "path_format", None) == "/{path}" and not isinstance(route, Mount)


class RouteProbe:
    """The innermost middleware: hands the matched route's template to MetricsMiddleware (the
    outer middlewares may copy the scope; the holder they share is the same object)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            holder = scope.get(ROUTE_KEY)
            if holder is not None:
                holder["template"] = template_of(scope)
                holder["catch_all"] = scope["path"] if is_catch_all(scope) else None


class MetricsMiddleware:
    """RED metrics per route template: requests by method and status class, duration histograms,
    and 429s by the limit named in the answer's `X-RateLimit-Name`. A request answered before
    routing (the apikey gate) counts under its mount's prefix (`prefixes`), else `{unmatched}`,
    as does a 404 of an unknown path or of REST's catch-all, so scanners add no label values."""

    def __init__(self, app: ASGIApp, prefixes: Iterable[str] = ()) -> None:
        self.app = app
        self.prefixes = tuple(sorted(prefixes, key=len, reverse=True))

    def fallback(self, path: str) -> str:
        for prefix in self.prefixes:
            if path == prefix or path.startswith(prefix + "/"):
                return prefix + "/{path}"
        return UNMATCHED

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        answer: dict[str, Any] = {"status": 500, "limit": None}
        holder: dict[str, str | None] = {}
        scope[ROUTE_KEY] = holder

        async def watch(message: Message) -> None:
            kind = message["type"]
            if kind == "http.response.start":
                answer["status"] = message["status"]
                for name, value in message.get("headers", ()):
                    if name.lower() == RATE_LIMIT_HEADER:
                        answer["limit"] = value.decode("latin-1")
            elif kind == "websocket.accept":
                answer["status"] = 101
            elif kind == "websocket.close" and answer["status"] == 500:
                answer["status"] = 403
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            status = answer["status"]
            method = scope.get("method", "GET") if scope["type"] == "http" else "WEBSOCKET"
            route = holder.get("template") or self.fallback(scope["path"])
            if status == 404 and (not holder.get("template") or holder.get("catch_all")):
                route = UNMATCHED  # an unknown path (or REST's unknown table)
            HTTP_REQUESTS.labels(route, method, f"{status // 100}xx").inc()
            HTTP_DURATION.labels(route, method).observe(time.perf_counter() - started)
            if status == 429:
                RATE_LIMIT_REJECTIONS.labels(answer["limit"] or "unnamed").inc()


def metrics_ports(base: int, workers: Iterable[str]) -> dict[str, int]:
    """The metrics port of each process: the gateway (`api`) on `base`, then each worker."""
    ports = {"api": base}
    for offset, name in enumerate(workers, start=1):
        ports[name] = base + offset
    return ports


def serve_metrics(port: int) -> None:
    """Serve this process's `/metrics` on 127.0.0.1:`port` from a background thread."""
    start_http_server(port, addr="127.0.0.1")
