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
    # Local connections are trusted (pg_hba.conf), so only the cluster's own OS user (and root)
    # may open the socket: with the default 0777 any local user was a superuser.
    "unix_socket_permissions": "0700",
    "wal_level": "logical",
    "max_replication_slots": "20",
    "max_wal_senders": "20",
    "max_connections": "200",
    "shared_buffers": "'256MB'",
    "log_min_messages": "warning",
    "log_line_prefix": "'%m [%p] %q%u@%d '",
    # JSON lines, one object per message (timestamp, pid, user, dbname, application_name,
    # error_severity, state_code, message, statement, query_id…), like every other log of the
    # stack (docs/observability.md). jsonlog needs the collector, which writes `postgres.json`
    # (the file name with .log swapped for .json) beside the cluster, truncated by its daily
    # rotation: one day of history is kept locally. `postgres.log` keeps what pg_ctl and the
    # server print before the collector starts.
    "logging_collector": "on",
    "log_destination": "'jsonlog'",
    "log_filename": "'postgres.log'",
    "log_rotation_age": "'1d'",
    "log_rotation_size": "0",
    "log_truncate_on_rotation": "on",
    # The slow-query log (log_min_duration_statement) is set for the API's login role only
    # (migration 20261206234812): maintenance sessions (migrations, pgTAP, psql) write
    # literals, some secret, into their statements. Bind parameters are never logged: they
    # hold passwords and tokens.
    "log_parameter_max_length": "0",
    "log_parameter_max_length_on_error": "0",
    # RLS predicates inflate plan costs past jit_above_cost, and compiling then costs far more
    # than short OLTP statements ever save (a challenge draw: ~1 s with JIT, 5 ms without); the
    # container image's postgresql.conf says the same.
    "jit": "off",
}

# For throwaway test clusters only: a crash may lose data, which tests never keep anyway.
NON_DURABLE_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}

# pgBackRest: the stanza every cluster's backups live under, and the config `rfl backup` writes
# beside the cluster's folder (`<state dir>/pgbackrest/pgbackrest.conf`, native_platform/backup.py).
PGBACKREST_STANZA = "rfl"
# pg_cron runs the housekeeping jobs (migrations 20261204080000-): preloaded when installed.
PG_CRON_LIBRARY = Path("/usr/lib/postgresql/15/lib/pg_cron.so")
# A WAL segment is archived once full or after this long, whichever comes first: the RPO bound
# of a quiet cluster (docs/operations.md).
ARCHIVE_TIMEOUT = "'60s'"
# Settings a running cluster takes only at a restart, with their values when unset. Only a
# durable cluster is restarted for them (`rfl up`): a test cluster shared by running tests
# takes pg_cron at its next start.
RESTART_SETTINGS = {
    "unix_socket_permissions": "0777",
    "archive_mode": "off",
    "shared_preload_libraries": "",
    "logging_collector": "off",
}

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

    @property
    def json_log_file(self) -> Path:
        """The server's JSON log (the collector's file); `log_file` keeps what pg_ctl prints
        before the collector starts."""
        return self.root / "postgres.json"

    @property
    def pgbackrest_config(self) -> Path:
        """Where `rfl backup` writes this cluster's pgBackRest config (its stanza's settings)."""
        return self.root.parent / "pgbackrest" / "pgbackrest.conf"

    def settings(self) -> dict[str, str]:
        """Every setting of `postgresql.rfl.conf`, rewritten at each start."""
        settings = dict(SERVER_SETTINGS, port=str(self.port))
        if self.durable:
            settings.update(self.archive_settings())
        else:
            settings.update(NON_DURABLE_SETTINGS)
        # pg_stat_statements feeds the metrics (prometheus-postgres-exporter, issue 14).
        preload = ["pg_stat_statements"]
        if PG_CRON_LIBRARY.exists():
            preload.append("pg_cron")
            settings["cron.database_name"] = "'postgres'"
            settings["cron.log_min_messages"] = "warning"
        settings["shared_preload_libraries"] = "'" + ",".join(preload) + "'"
        settings["unix_socket_directories"] = f"'{self.socket_dir}'"
        settings["log_directory"] = f"'{self.root}'"
        return settings

    def archive_settings(self) -> dict[str, str]:
        """WAL archiving through pgBackRest, live once `rfl backup` wrote the stanza's config:
        until then a segment counts as archived (and is recycled) so WAL never piles up."""
        config = self.pgbackrest_config
        command = (
            f"test ! -f {config} || pgbackrest --config={config} "
            f"--stanza={PGBACKREST_STANZA} archive-push %p"
        )
        return {
            "archive_mode": "on",
            "archive_command": "'" + command.replace("'", "''") + "'",
            "archive_timeout": ARCHIVE_TIMEOUT,
        }

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
        self.write_settings()
        with (self.data_dir / "postgresql.conf").open("a") as main_conf:
            main_conf.write("include = 'postgresql.rfl.conf'\n")
        (self.data_dir / "pg_hba.conf").write_text(HBA_RULES)

    def write_settings(self) -> bool:
        """(Re)write `postgresql.rfl.conf`, so a cluster made by an older version gets today's
        settings (archiving, pg_cron) at its next start; return whether anything changed."""
        lines = [f"{name} = {value}\n" for name, value in self.settings().items()]
        conf = self.data_dir / "postgresql.rfl.conf"
        body = "".join(lines)
        if conf.exists() and conf.read_text() == body:
            return False
        conf.write_text(body)
        chown_to_service_user(conf)
        return True

    def apply_settings(self) -> bool:
        """Bring a running cluster to today's settings: reload, and restart a durable one when a
        setting that needs it (archive_mode, shared_preload_libraries) changed. Return whether
        it restarted."""
        if not self.write_settings() or not self.is_running():
            return False
        run_pg_ctl(["reload", "-D", str(self.data_dir)])
        wanted = self.settings()
        desired = {name: wanted.get(name, off).strip("'") for name, off in RESTART_SETTINGS.items()}
        names = ", ".join(f"'{name}'" for name in RESTART_SETTINGS)
        rows = self.psql(f"select name || '=' || setting from pg_settings where name in ({names})")
        if not self.durable or dict(line.split("=", 1) for line in rows.splitlines()) == desired:
            return False
        restart = ["restart", "-D", str(self.data_dir), "-l", str(self.log_file), "-m", "fast"]
        run_pg_ctl([*restart, "-w", "-t", "60"])
        return True

    def psql(self, query: str) -> str:
        """Run one query as the superuser over the local socket; its rows, unaligned."""
        command = ["psql", "-h", str(self.socket_dir), "-p", str(self.port), "-U", "postgres"]
        return run_as_service_user([*command, "-d", "postgres", "-Atc", query]).stdout.strip()

    def start(self) -> None:
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        chown_to_service_user(self.socket_dir)
        self.write_settings()
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
