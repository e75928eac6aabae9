"""The project-local Postgres cluster: create, configure, start, stop, and inspect it."""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from native_platform.oscommands import (
    chown_to_service_user,
    ensure_service_user_can_reach,
    run_as_service_user,
)

__all__ = ["PostgresCluster"]

BIN_DIR = Path("/usr/lib/postgresql/15/bin")

SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "wal_level": "logical",
    "max_replication_slots": "20",
    "max_wal_senders": "20",
    "max_connections": "200",
    "shared_buffers": "'256MB'",
    "log_min_messages": "warning",
    "log_line_prefix": "'%m [%p] %q%u@%d '",
}

# For throwaway test clusters only: a crash may lose data, which tests never keep anyway.
NON_DURABLE_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}

HBA_RULES = """\
local   all          all                     trust
host    all          all   127.0.0.1/32      scram-sha-256
host    replication  all   127.0.0.1/32      scram-sha-256
"""


@dataclass(frozen=True)
class PostgresCluster:
    """A cluster living in `root` (data, socket and log), listening on 127.0.0.1:`port`."""

    root: Path
    port: int
    durable: bool = True

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "run"

    @property
    def log_file(self) -> Path:
        return self.root / "postgres.log"

    def is_initialized(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def is_running(self) -> bool:
        if not self.is_initialized():
            return False
        status = run_pg_ctl(["status", "-D", str(self.data_dir)], check=False)
        return status.returncode == 0

    def initialize(self, superuser_password: str) -> None:
        ensure_service_user_can_reach(self.root)
        for folder in (self.root, self.socket_dir):
            folder.mkdir(parents=True, exist_ok=True)
            chown_to_service_user(folder)
        with tempfile.NamedTemporaryFile("w", dir=self.root, delete=True) as password_file:
            password_file.write(superuser_password)
            password_file.flush()
            chown_to_service_user(Path(password_file.name))
            run_as_service_user(
                [
                    str(BIN_DIR / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    "postgres",
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    f"--pwfile={password_file.name}",
                ],
            )
        self.write_configuration()

    def write_configuration(self) -> None:
        settings = dict(SERVER_SETTINGS, port=str(self.port))
        if not self.durable:
            settings.update(NON_DURABLE_SETTINGS)
        settings["unix_socket_directories"] = f"'{self.socket_dir}'"
        lines = [f"{name} = {value}\n" for name, value in settings.items()]
        conf = self.data_dir / "postgresql.rfl.conf"
        conf.write_text("".join(lines))
        chown_to_service_user(conf)
        with (self.data_dir / "postgresql.conf").open("a") as main_conf:
            main_conf.write("include = 'postgresql.rfl.conf'\n")
        (self.data_dir / "pg_hba.conf").write_text(HBA_RULES)

    def start(self) -> None:
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        chown_to_service_user(self.socket_dir)
        run_pg_ctl(["start", "-D", str(self.data_dir), "-l", str(self.log_file), "-w", "-t", "60"])

    def stop(self) -> None:
        if self.is_running():
            run_pg_ctl(["stop", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "60"])


def run_pg_ctl(args: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
    try:
        return run_as_service_user([str(BIN_DIR / "pg_ctl"), *args])
    except subprocess.CalledProcessError as error:
        if check:
            raise
        return subprocess.CompletedProcess(error.cmd, error.returncode, error.stdout, error.stderr)
