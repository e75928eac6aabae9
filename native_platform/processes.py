"""Background services: start detached with a pid file and a log, check, and stop them."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["BackgroundService"]


@dataclass(frozen=True)
class BackgroundService:
    """One long-running program, its pid file and its log under the stack's state folder."""

    name: str
    command: list[str]
    state_dir: Path
    env: dict[str, str] | None = None

    @property
    def pid_file(self) -> Path:
        return self.state_dir / "run" / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return self.state_dir / "logs" / f"{self.name}.log"

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text())
        except (FileNotFoundError, ValueError):
            return None
        return pid if process_alive(pid) else None

    def is_running(self) -> bool:
        return self.pid() is not None

    def crashed(self) -> bool:
        """A pid file whose process is gone: the service died without being stopped."""
        return self.pid_file.exists() and not self.is_running()

    def start(self) -> None:
        if self.is_running():
            return
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            process = subprocess.Popen(
                self.command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                env={**os.environ, **(self.env or {})},
            )
        self.pid_file.write_text(str(process.pid))

    def stop(self, timeout: float = 15.0) -> None:
        pid = self.pid()
        if pid is not None:
            signal_group(pid, signal.SIGTERM)
            if not wait_for_exit(pid, timeout):
                signal_group(pid, signal.SIGKILL)
                wait_for_exit(pid, timeout)
        self.pid_file.unlink(missing_ok=True)


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not is_zombie(pid)


def is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass


def wait_for_exit(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process_alive(pid):
            return True
        time.sleep(0.05)
    return False
