"""The system page's facts, each gathered on its own and degrading to "unavailable": the
gateway's readiness (services and migrations), key metrics from the local Prometheus, and
`rfl backup list`."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import httpx

__all__ = ["METRICS", "backups", "metrics", "readiness"]

METRICS = {
    "Requests per second (5 min)": "sum(rate(rfl_http_requests_total[5m]))",
    "Server errors per second (5 min)": (
        'sum(rate(rfl_http_requests_total{status_class="5xx"}[5m])) or vector(0)'
    ),
    "95th percentile latency, seconds (5 min)": (
        "histogram_quantile(0.95, sum by (le) (rate(rfl_http_request_duration_seconds_bucket[5m])))"
    ),
    "Open realtime sockets": "sum(rfl_realtime_sockets)",
    "Scrape targets up": "sum(up)",
    "Scrape targets down": "count(up == 0) or vector(0)",
}
BACKUP_TIMEOUT_SECONDS = 15


async def readiness(http: httpx.AsyncClient, api_url: str) -> dict[str, Any] | None:
    """The gateway's /ready document (components and migrations); None when unreachable."""
    try:
        response = await http.get(f"{api_url.rstrip('/')}/ready", timeout=5)
        found: dict[str, Any] = response.json()
    except (httpx.HTTPError, ValueError):
        return None
    return found


async def metrics(http: httpx.AsyncClient, prometheus_url: str | None) -> dict[str, str] | None:
    """Each key metric's current value ("no data" when the series is empty); None when the
    local Prometheus does not answer."""
    if not prometheus_url:
        return None
    values = {}
    for label, query in METRICS.items():
        try:
            response = await http.get(
                f"{prometheus_url.rstrip('/')}/api/v1/query", params={"query": query}, timeout=3
            )
            result = response.json()["data"]["result"]
        except (httpx.HTTPError, ValueError, KeyError):
            return None
        values[label] = f"{float(result[0]['value'][1]):.3g}" if result else "no data"
    return values


async def backups() -> str | None:
    """`rfl backup list` as the stack's operator would run it; None when it fails."""
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "native_platform",
            "backup",
            "list",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
    except OSError:
        return None
    try:
        out, _ = await asyncio.wait_for(process.communicate(), BACKUP_TIMEOUT_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()
        return None
    return out.decode(errors="replace") if process.returncode == 0 else None
