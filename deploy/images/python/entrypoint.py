"""Entrypoint of the Python image: which part of the platform this container runs.

    gateway            the API node: REST, auth, realtime, storage and every configured function
                       in one process (as `rfl up` runs it), on API_HOST:API_PORT (0.0.0.0:8000)
    realtime           a standalone realtime node (`python -m native_platform.realtime`) on
                       REALTIME_HOST:REALTIME_PORT; REALTIME_* variables, or those derived from
                       the stack's settings (as the gateway's realtime) when they are absent
    function NAME      one `[functions.NAME]` block of config.toml alone, on 0.0.0.0:API_PORT
    indexer [ARGS]     the outbox → Typesense worker (`python -m functions.indexer`)
    migrate            the one-shot job: apply pending migrations and set the runtime secrets,
                       then load the seed when RFL_SEED=true (local and staging only); exits
    healthcheck        the image's HEALTHCHECK: GET /health of the role that runs

Settings come from the environment (`*_FILE` variables for secrets), as `.env.example` lists.
"""

from __future__ import annotations

import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROLE_FILE = Path("/tmp/rfl-role")  # noqa: S108 (the container's own /tmp)
HTTP_ROLES = {"gateway": "/ready", "function": "/", "realtime": "/ready"}


def remember(role: str) -> None:
    ROLE_FILE.write_text(role)


def gateway() -> None:
    from native_platform.settings import load_settings
    from native_platform.stack import api_command

    command = api_command(load_settings())
    os.execv(command[0], command)


def function(name: str) -> None:
    import uvicorn

    from native_platform.project_config import load_entrypoint, load_project_config

    block = load_project_config().functions[name]
    app = load_entrypoint(f"functions.{name}", block.entrypoint)()
    uvicorn.run(app, host="0.0.0.0", port=int(os.environ.get("API_PORT", "8000")))  # noqa: S104


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
    os.execv(sys.executable, [sys.executable, "-m", "native_platform.realtime"])


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
    elif role == "indexer":
        os.execv(sys.executable, [sys.executable, "-m", "functions.indexer", *(args or ["run"])])
    elif role == "migrate":
        return migrate()
    else:
        sys.stderr.write(f"{__doc__}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
