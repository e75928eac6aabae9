"""REST and realtime throughput of the gateway with metrics on and off, in the same run.

Run from the repository root with a running stack: `RFL_ENV_FILE=... .venv/bin/python
bench/bench_observability.py [--runs 3] [--seconds 5] [--concurrency 16] [--scenario NAME…]`.
It starts two gateways exactly as `rfl up` does, on their own ports and on the stack's database:
`on` through the metrics launcher (`with_metrics`: RED middleware, `/metrics` on a local port
scraped by this script every `--scrape-interval` seconds, config.toml's interval by default)
and `off` with a copy of config.toml whose `[metrics] enabled = false` (no middleware, no
metrics port). Alternating off/on per run so drift hits both alike, each scenario of SCENARIOS
is driven for `--seconds` with `--concurrency` clients; it prints requests/s (medians over the
runs), the ratio on/off (the aim: ≥ 0.9) and the gateway's CPU time per operation (µs, from
/proc: steadier than rates when other work shares the machine). A scenario is a name and a
function (url, settings, args) → operations/s: add one to SCENARIOS (e.g. tracing on/off, as
bench_tracing.py does) without touching the rest. The request loops are bench_tracing.py's
(`drive`, `rest_service`, `broadcast`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_tracing import broadcast, drive, rest_service  # noqa: E402
from native_platform.gateway.app import create_app  # noqa: E402
from native_platform.project_config import (  # noqa: E402
    MetricsSection,
    config_path,
    load_project_config,
)
from native_platform.settings import StackSettings, env_file_path, load_settings  # noqa: E402
from native_platform.stack import api_command, with_metrics  # noqa: E402
from tests.helpers.servers import free_port  # noqa: E402
from tests.native_platform.observability.test_tracing import wait_ready  # noqa: E402

Scenario = Callable[[str, StackSettings, argparse.Namespace], float]


def rest_read(url: str, settings: StackSettings, args: argparse.Namespace) -> float:
    key, service = (
        settings.anon_key.get_secret_value(),
        settings.service_role_key.get_secret_value(),
    )
    return asyncio.run(drive(rest_service(url, key, service), args.seconds, args.concurrency))


def realtime_broadcast(url: str, settings: StackSettings, args: argparse.Namespace) -> float:
    key, service = (
        settings.anon_key.get_secret_value(),
        settings.service_role_key.get_secret_value(),
    )
    return asyncio.run(broadcast(url, key, service, args.seconds, args.concurrency))


SCENARIOS: list[tuple[str, Scenario]] = [
    ("rest read", rest_read),
    ("realtime broadcast", realtime_broadcast),
]


def metrics_off_config(folder: Path) -> Path:
    """config.toml with `[metrics] enabled = false`."""
    text = config_path().read_text()
    section = text.index("[metrics]")
    head, tail = text[:section], text[section:]
    path = folder / "config.toml"
    path.write_text(head + tail.replace("enabled = true", "enabled = false", 1))
    return path


@contextmanager
def gateway(
    settings: StackSettings, metrics_port: int | None, config: Path | None
) -> Iterator[tuple[str, int]]:
    """The gateway's URL and process id."""
    port = free_port()
    command = api_command(settings.model_copy(update={"api_port": port}))
    if metrics_port is not None:
        command = with_metrics(command, metrics_port, True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env["RFL_ENV_FILE"] = str(env_file_path())
    if config is not None:
        env["RFL_CONFIG_FILE"] = str(config)
    log_file = Path(tempfile.mkdtemp()) / "api.log"
    with log_file.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process, log_file)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=15)


@contextmanager
def scraper(url: str, interval: float) -> Iterator[list[int]]:
    """Scrape `url` every `interval` seconds in a thread; yields the list of payload sizes."""
    sizes: list[int] = []
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(interval):
            sizes.append(len(httpx.get(url, timeout=5).content))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield sizes
    finally:
        stop.set()
        thread.join(timeout=10)


def in_process(settings: StackSettings, requests: int, rounds: int) -> tuple[float, float]:
    """CPU µs per REST read (`GET /rest/v1/locales`, service key) of the gateway application
    with and without the metrics middleware, both served in this process by Starlette's test
    client and measured with `time.process_time` in alternating rounds: the middleware's own
    cost, free of the other processes sharing the machine (Postgres's work is not counted)."""
    config = load_project_config()
    off = config.model_copy(update={"metrics": MetricsSection(enabled=False)})
    apps = {"on": create_app(settings, config=config), "off": create_app(settings, config=off)}
    service = settings.service_role_key.get_secret_value()
    headers = {"apikey": service, "Authorization": f"Bearer {service}"}
    spent: dict[str, list[float]] = {"on": [], "off": []}
    with ExitStack() as stack:
        clients = {mode: stack.enter_context(TestClient(app)) for mode, app in apps.items()}
        for client in clients.values():
            client.get("/rest/v1/locales?select=*", headers=headers).raise_for_status()
        for round_ in range(rounds):
            for mode in ("off", "on") if round_ % 2 == 0 else ("on", "off"):
                started = time.process_time()
                for _ in range(requests):
                    clients[mode].get("/rest/v1/locales?select=*", headers=headers)
                spent[mode].append((time.process_time() - started) / requests * 1e6)
    return statistics.median(spent["off"]), statistics.median(spent["on"])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (and its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=16)
    interval = load_project_config().metrics.scrape_interval_seconds
    parser.add_argument("--scrape-interval", type=float, default=float(interval))
    names = [name for name, _ in SCENARIOS]
    parser.add_argument("--scenario", action="append", choices=names, help="default: all")
    parser.add_argument(
        "--in-process", type=int, default=300, metavar="N", help="requests per round (0: skip)"
    )
    args = parser.parse_args()
    chosen = [(name, run) for name, run in SCENARIOS if name in (args.scenario or names)]
    settings = load_settings()
    results: dict[str, dict[str, list[float]]] = {"off": {}, "on": {}}
    cpu: dict[str, dict[str, list[float]]] = {"off": {}, "on": {}}
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        metrics_port = free_port()
        started = {
            "off": stack.enter_context(gateway(settings, None, metrics_off_config(folder))),
            "on": stack.enter_context(gateway(settings, metrics_port, None)),
        }
        urls = {mode: url for mode, (url, _) in started.items()}
        metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"
        scraped = stack.enter_context(scraper(metrics_url, args.scrape_interval))
        for run in range(args.runs):
            order = ("off", "on") if run % 2 == 0 else ("on", "off")
            for mode in order:
                for name, scenario in chosen:
                    before = cpu_seconds(started[mode][1])
                    rate = scenario(urls[mode], settings, args)
                    # The gateway's CPU per operation: steadier than rates on a shared machine.
                    per_op = (cpu_seconds(started[mode][1]) - before) / (rate * args.seconds)
                    results[mode].setdefault(name, []).append(rate)
                    cpu[mode].setdefault(name, []).append(per_op * 1e6)
                    print(f"run {run + 1} {mode:<3} {name:<20} {rate:8.1f}/s", flush=True)
        off_text = httpx.get(f"{urls['off']}/metrics", timeout=5).status_code
    print(
        f"\n{'scenario':<20} {'off /s':>9} {'on /s':>9} {'on/off':>7} {'µs CPU off':>11} {'on':>7}"
    )
    for name, _ in chosen:
        off = statistics.median(results["off"][name])
        on = statistics.median(results["on"][name])
        cpu_off = statistics.median(cpu["off"][name])
        cpu_on = statistics.median(cpu["on"][name])
        print(f"{name:<20} {off:9.1f} {on:9.1f} {on / off:7.3f} {cpu_off:11.0f} {cpu_on:7.0f}")
    med = statistics.median
    worst = min(med(results["on"][n]) / med(results["off"][n]) for n, _ in chosen)
    print(f"verdict: worst on/off {worst:.3f} (aim >= 0.9): {'met' if worst >= 0.9 else 'NOT met'}")
    size = statistics.median(scraped) if scraped else 0
    print(f"\n{len(scraped)} scrapes of the on gateway, {size / 1024:.0f} KiB each (median)")
    print(f"/metrics on the off gateway's API port: {off_text}")
    if args.in_process:
        off_cpu, on_cpu = in_process(settings, args.in_process, 2 * args.runs)
        print(
            f"in process, CPU per REST read: off {off_cpu:.0f} µs, on {on_cpu:.0f} µs "
            f"(middleware {on_cpu - off_cpu:+.0f} µs, {on_cpu / off_cpu - 1:+.1%})"
        )


if __name__ == "__main__":
    main()
