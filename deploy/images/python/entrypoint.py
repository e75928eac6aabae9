"""Entrypoint of the Python image: which part of the platform this container runs.

    gateway            the API node: REST, auth, realtime, storage and every configured function
                       in one process (as `rfl up` runs it), on API_HOST:API_PORT (0.0.0.0:8000)
    realtime           a standalone realtime node (`python -m native_platform.realtime`) on
                       REALTIME_HOST:REALTIME_PORT; REALTIME_* variables, or those derived from
                       the stack's settings (as the gateway's realtime) when they are absent
    function NAME      one `[functions.NAME]` block of config.toml alone, on 0.0.0.0:API_PORT
    worker NAME [ARGS] one `[workers.NAME]` block of config.toml (`python -m <module> <args>`,
                       ARGS replacing the block's): `worker indexer`, `worker storage-reconcile`
    migrate            the one-shot job: apply pending migrations and set the runtime secrets,
                       then load the seed when RFL_SEED=true (local and staging only); exits
    backup [ARGS]      (backup image) `rfl backup [--type T] | list | verify` on the volumes
    restore ARGS       (backup image) `rfl restore --latest | --to T | --to-label L | --confirm`
                       into the stopped db service's volume: restored, replayed and promoted here
    healthcheck        the image's HEALTHCHECK: GET /health of the role that runs

Settings come from the environment (`*_FILE` variables for secrets), as `.env.example` lists.
"""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from native_platform.backup import BackupTarget

ROLE_FILE = Path("/tmp/rfl-role")  # noqa: S108 (the container's own /tmp)
HTTP_ROLES = {"gateway": "/ready", "function": "/", "realtime": "/ready"}


def remember(role: str) -> None:
    ROLE_FILE.write_text(role)


def run_module(module: str, args: list[str]) -> None:
    """Run `python -m <module> <args>` in this process (as observability.supervised does),
    serving its metrics on METRICS_PORT first when set. The supervised launcher binds
    127.0.0.1 (natively only Prometheus on the machine may read); a container's metrics port
    binds its own interfaces, reachable from the compose network only: compose never publishes
    it, and nginx routes no path to it."""
    port = os.environ.get("METRICS_PORT")
    if port:
        from prometheus_client import start_http_server

        start_http_server(int(port), addr="0.0.0.0")  # noqa: S104
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


def gateway() -> None:
    from native_platform.settings import load_settings
    from native_platform.stack import api_command

    # [python, -m, uvicorn, options…]: uvicorn's own command line, run in this process.
    command = api_command(load_settings())
    run_module(command[2], command[3:])


def function(name: str) -> None:
    import uvicorn

    from native_platform.project_config import load_entrypoint, load_project_config

    block = load_project_config().functions[name]
    app = load_entrypoint(f"functions.{name}", block.entrypoint)()
    uvicorn.run(app, host="0.0.0.0", port=int(os.environ.get("API_PORT", "8000")))  # noqa: S104


def worker(name: str, args: list[str]) -> None:
    """A `[workers.NAME]` block run as the native supervisor runs it: the product's workers plug
    in through config.toml, never through this image."""
    from native_platform.project_config import load_project_config

    block = load_project_config().enabled_workers().get(name)
    if block is None:
        raise SystemExit(f"config.toml has no enabled [workers.{name}] block")
    run_module(block.module, args or list(block.args))


def realtime() -> None:
    """The node's settings come from REALTIME_* variables; a container given the stack's
    (`*_FILE` secrets) gets them derived as the gateway does, REALTIME_HOST/PORT kept."""
    if "REALTIME_DATABASE_URL" not in os.environ:
        from pydantic import SecretStr

        from native_platform.realtime import RealtimeSettings
        from native_platform.settings import load_settings

        derived = RealtimeSettings.from_stack(load_settings())
        for name, value in derived.model_dump().items():
            text = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
            os.environ.setdefault(f"REALTIME_{name.upper()}", text)
    run_module("native_platform.realtime", [])


def wait_for_database(url: str, timeout: float = 120.0) -> None:
    """The job may start with the database container: wait until it accepts connections."""
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg.connect(url, connect_timeout=3).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1.0)


def migrate() -> int:
    from native_platform.database import prepare_database
    from native_platform.project_config import load_project_config
    from native_platform.reference_seed import load_reference_seed
    from native_platform.settings import load_settings

    settings = load_settings()
    wait_for_database(settings.database_url.get_secret_value())
    seed = os.environ.get("RFL_SEED", "false").lower() == "true"
    config = load_project_config() if seed else None
    applied = prepare_database(settings.database_url.get_secret_value(), settings, config)
    # Locales, app roles and permissions: every environment's reference data (as `rfl migrate`).
    load_reference_seed(settings.database_url.get_secret_value())
    seeded = "loaded" if seed else "skipped"
    sys.stdout.write(f"migrate: applied {len(applied)} migrations; seed {seeded}\n")
    return 0


# The backup container's layout (docker-compose.yml's `backup`): the db service's data volume at
# the same path as in the db container (pgBackRest checks pg1-path against the server's
# data_directory), holding data/ and run/ (the second socket); the backup volume beside it at
# /var/lib/pgbackrest (pgbackrest.conf, the local repository, logs, storage tarballs).
DATA_VOLUME = Path("/var/lib/postgresql")


def backup_target() -> BackupTarget:
    from native_platform.backup import BackupTarget
    from native_platform.backup_repo import load_repo_settings
    from native_platform.postgres import PostgresCluster
    from native_platform.settings import load_settings

    class VolumeCluster(PostgresCluster):
        """The db service's cluster seen from the backup container."""

        def is_running(self) -> bool:
            # Its postmaster lives in another container (pg_ctl cannot see the process): it
            # runs when it answers on the socket in the shared volume.
            try:
                self.psql("select 1")
            except subprocess.CalledProcessError:
                return False
            return True

        def write_settings(self) -> bool:
            return False  # the image's /etc/rfl/postgresql.conf is the configuration

    settings = load_settings()
    return BackupTarget(
        cluster=VolumeCluster(DATA_VOLUME, settings.postgres_port),
        dsn=settings.database_url.get_secret_value(),
        repo=load_repo_settings(None),
        storage_dir=settings.state_dir / "storage",
    )


def backups(argv: list[str]) -> int:
    """`rfl backup …` and `rfl restore --confirm` as the CLI runs them (its commands, its
    output), on the container's target instead of the native stack's."""
    from native_platform import cli

    target = backup_target()
    cli.backup_target = lambda: target
    if argv[0] == "restore" and "--confirm" not in argv:
        return restore(argv)
    return cli.main(argv)


def restore(argv: list[str]) -> int:
    """`rfl restore` for a cluster whose services compose stops and starts: with the db service
    stopped, restore into its volume (the data folder kept aside in the volume), replay and
    promote here, add the storage files missing, stop; `compose up` then starts a promoted
    cluster (docs/operations.md)."""
    from native_platform import cli
    from native_platform.backup import BackupError, RestorePoint, parse_time, restore_cluster

    args = cli.build_parser().parse_args(argv)
    point = RestorePoint(
        latest=args.latest, time=args.to, label=args.to_label, timeline=args.timeline
    )
    target = cli.backup_target()
    try:
        if args.to is not None:
            parse_time(args.to)
        if target.cluster.is_running():
            raise BackupError("the db service is running: stop the services and db first")
        aside = restore_cluster(target, point)
    except BackupError as error:
        sys.stderr.write(f"rfl: {error}\n")
        return 2
    target.cluster.stop()
    sys.stdout.write(
        "restored and promoted; start the db, then the services, then rebuild search\n"
        f"the pre-restore data folder is kept in {aside}: `restore --confirm` deletes it\n"
    )
    return 0


def healthcheck() -> int:
    role = ROLE_FILE.read_text() if ROLE_FILE.exists() else "gateway"
    path = HTTP_ROLES.get(role)
    if path is None:
        return 0  # a worker: alive while its process is
    port = os.environ.get("REALTIME_PORT" if role == "realtime" else "API_PORT", "8000")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=3) as response:  # noqa: S310
            return 0 if response.status < 500 else 1
    except urllib.error.HTTPError as error:
        return 0 if error.code < 500 else 1
    except OSError:
        return 1


def main(argv: list[str]) -> int:
    role, *args = argv or ["gateway"]
    if role == "healthcheck":
        return healthcheck()
    remember(role)
    if role == "gateway":
        gateway()
    elif role == "function" and len(args) == 1:
        function(args[0])
    elif role == "realtime":
        realtime()
    elif role == "worker" and args:
        worker(args[0], args[1:])
    elif role == "migrate":
        return migrate()
    elif role in ("backup", "restore"):
        return backups([role, *args])
    else:
        sys.stderr.write(f"{__doc__}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
