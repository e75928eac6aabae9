"""The gateway as its own process, started with the command the supervisor builds
(`native_platform.stack.api_command`), for tests and benchmarks that need a fresh process
(tracing and metrics are configured once per process, from its environment)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

__all__ = ["gateway_process", "wait_ready"]


def wait_ready(
    url: str, process: subprocess.Popen[bytes], log_file: Path, timeout: float = 60.0
) -> None:
    """Until the gateway answers its liveness check (readiness would also want the shared
    database to hold every migration of the tree); fail with its log if it exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gateway exited: {log_file.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"gateway on {url} not live after {timeout:.0f}s")


@contextmanager
def gateway_process(
    command: list[str], port: int, env: dict[str, str], log_file: Path
) -> Iterator[tuple[str, int]]:
    """Run `command` (serving on `port`) with `env`, output to `log_file`; yield its URL and
    pid once it is live, and stop it afterwards."""
    with log_file.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process, log_file)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=15)
