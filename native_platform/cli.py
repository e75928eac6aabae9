"""`rfl`: the native stack's command line; the Makefile only delegates here."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from native_platform import backup, docs_site, proxy
from native_platform.config_check import ENVIRONMENTS, check_environment
from native_platform.database import prepare_database
from native_platform.envfile import write_env_file
from native_platform.migration_lint import after_baseline, lint_migrations, migrations_added_since
from native_platform.migrations import (
    MIGRATIONS_DIR,
    MigrationError,
    apply_migrations,
    check_order,
    pending_migrations,
)
from native_platform.observability import prometheus
from native_platform.observability.logging import log_files
from native_platform.project_config import ConfigError, load_project_config
from native_platform.reference_seed import load_reference_seed
from native_platform.settings import (
    SettingsError,
    StackSettings,
    env_file_path,
    load_settings,
    project_root,
)
from native_platform.stack import Stack, StackError, service_state
from native_platform.testrun import run_all_checks, run_pgtap

__all__ = ["main"]

DEFAULT_STATE_DIR = project_root() / ".local" / "stack"
Command = Callable[[argparse.Namespace], int]


def init_env(args: argparse.Namespace) -> int:
    path = env_file_path()
    state_dir = Path(args.state_dir).resolve()
    if write_env_file(path, state_dir, args.port_base, args.typesense_port):
        print(f"wrote {path} with fresh secrets")
    return 0


def stack() -> Stack:
    current = Stack(load_settings(), env_file_path())
    # `rfl up --nodes N` (N > 1): nginx on the API port in front of N gateways (proxy.py).
    nodes = proxy.recorded_nodes(current.settings)
    current.api = proxy.proxied_api(current.api, current.settings, nodes)
    return current


def ensure_env_file() -> None:
    write_env_file(env_file_path(), DEFAULT_STATE_DIR, 54321, 8108)


def up(args: argparse.Namespace) -> int:
    ensure_env_file()
    if args.nodes is not None:
        proxy.record_nodes(load_settings(), args.nodes)
    current = stack()
    if current.postgres.is_initialized() and current.postgres.apply_settings():
        print("Postgres restarted to take new settings (WAL archiving, preloaded libraries)")
    applied = current.up()
    print_summary(load_settings(), applied)
    return 0


def print_summary(settings: StackSettings, applied: list[str]) -> None:
    print(f"project:          {load_project_config().project_id}")
    print(f"migrations applied now: {len(applied)}")
    print(f"API URL:          {settings.api_url}")
    print(f"REST:             {settings.api_url}/rest/v1")
    print(f"Auth:             {settings.api_url}/auth/v1")
    print(f"Realtime:         {settings.api_url.replace('http', 'ws')}/realtime/v1")
    print(f"Functions:        {settings.api_url}/functions/v1")
    print(f"Postgres:         127.0.0.1:{settings.postgres_port} (make psql)")
    print(f"Typesense:        {settings.typesense_url}")
    print(f"anon key:         {settings.anon_key.get_secret_value()}")
    print(f"service_role key: {settings.service_role_key.get_secret_value()}")


def down(_: argparse.Namespace) -> int:
    if env_file_path().exists():
        stack().down()
    print("stack stopped")
    return 0


def status(_: argparse.Namespace) -> int:
    current = stack()
    states = current.status()
    if isinstance(current.api, proxy.ProxiedNodes):
        states += [service_state(node, f"127.0.0.1:{port}") for node, port in current.api.nodes]
    for component in states:
        print(f"{component.name:<10} {component.state:<8} {component.detail}")
    figures = prometheus.key_figures(current.settings)
    if figures:
        print("\nlast 5 minutes (Prometheus):")
    for label, shown in figures:
        print(f"  {label:<18} {shown}")
    return 0 if all(component.state == "running" for component in states) else 3


def logs(args: argparse.Namespace) -> int:
    """JSON lines of every service (or `--service X`'s), Postgres's own log last."""
    try:
        files = log_files(load_settings().state_dir, args.service)
    except ValueError as error:
        print(f"rfl logs: {error}", file=sys.stderr)
        return 2
    tail = ["tail", "-n", str(args.lines)] + (["-F"] if args.follow else [])
    os.execvp("tail", tail + [str(path) for path in files])


def psql(args: argparse.Namespace) -> int:
    url = load_settings().database_url.get_secret_value()
    os.execvp("psql", ["psql", url, *args.psql_args])


def reset(_: argparse.Namespace) -> int:
    applied = stack().reset()
    print(f"database recreated; {len(applied)} migrations applied; seed loaded")
    return 0


def migrate(args: argparse.Namespace) -> int:
    if args.lint:
        return lint_pending(args)
    settings = load_settings()
    url = args.database_url or settings.database_url.get_secret_value()
    pending, applied = pending_migrations(url)
    check_order(pending, applied)
    if args.backup_first:
        entry = backup.take_backup(backup_target(), "incr")
        print(f"backup {entry.label} taken; the way back: rfl restore --to-label {entry.label}")
    if args.dry_run:
        applied_now = apply_migrations(url, dry_run=True)
    else:
        applied_now = prepare_database(url, settings)
        load_reference_seed(url)
    verb = "would apply" if args.dry_run else "applied"
    listed = f": {', '.join(applied_now)}" if applied_now else ""
    print(f"{verb} {len(applied_now)} migrations{listed}")
    return 0


def lint_pending(args: argparse.Namespace) -> int:
    """Lint the migrations `--since REF` lacks (CI) or the database has not applied yet."""
    early: list[str] = []
    if args.files:
        paths = [Path(name) for name in args.files]
    elif args.since:
        paths, newest = migrations_added_since(args.since)
        early = [path.name for path in paths if path.name[:14] <= newest]
        for name in early:
            print(
                f"rfl migrate --lint: {name} sorts before {args.since}'s newest migration"
                f" ({newest}): rename it with a later timestamp",
                file=sys.stderr,
            )
    else:
        url = args.database_url or load_settings().database_url.get_secret_value()
        pending, applied = pending_migrations(url)
        check_order(pending, applied)
        paths = [MIGRATIONS_DIR / f"{m.version}_{m.name}.sql" for m in pending]
    findings = lint_migrations(paths if args.files else after_baseline(paths))
    for finding in findings:
        print(f"rfl migrate --lint: {finding}", file=sys.stderr)
    print(f"rfl migrate --lint: {len(paths)} new migrations, {len(findings)} findings")
    return 1 if findings or early else 0


def docs_build(args: argparse.Namespace) -> int:
    """Write the API documentation site; exit 1 if anything exposed lacks a description."""
    settings = load_settings()
    site = docs_site.collect_site(settings)
    out = Path(args.out) if args.out else docs_site.site_dir(settings)
    written = docs_site.build_site(out, site)
    print(f"rfl docs build: {len(written)} files in {out} (served by the gateway at /docs)")
    missing = docs_site.problems(site)
    for problem in missing:
        print(f"rfl docs build: {problem}", file=sys.stderr)
    return 1 if missing else 0


def test(args: argparse.Namespace) -> int:
    return run_all_checks(args.pytest_args, keep_stack=args.keep_stack)


def pgtap(args: argparse.Namespace) -> int:
    return run_pgtap(args.files)


def config_check(args: argparse.Namespace) -> int:
    """Exit 0 when the environment's settings are fit to deploy, else 1 with one line each."""
    problems = check_environment(args.env, Path(args.file) if args.file else None)
    for problem in problems:
        print(f"rfl config check ({args.env}): {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"rfl config check ({args.env}): ok")
    return 0


def backup_target() -> backup.BackupTarget:
    return backup.stack_target(load_settings(), env_file_path())


def take_backup(args: argparse.Namespace) -> int:
    if args.action == "list":
        return list_backups()
    if args.action == "verify":
        return verify_backups()
    entry = backup.take_backup(backup_target(), args.type)
    print(f"backup {entry.label} ({entry.type}) done in {entry.seconds}s; anchor {entry.anchor}")
    return 0


def list_backups() -> int:
    entries = backup.list_backups(backup_target())
    if not entries:
        print("no backups yet: `rfl backup` takes the first")
        return 0
    print(
        f"{'label':<36} {'type':<5} {'started (UTC)':<20} {'secs':>5} {'size':>9} {'stored':>9}"
        f"  {'WAL range':<49} audit anchor"
    )
    for entry in entries:
        print(
            f"{entry.label:<36} {entry.type:<5} {entry.started:%Y-%m-%d %H:%M:%S} "
            f"{entry.seconds:>5} {megabytes(entry.database_bytes):>9} "
            f"{megabytes(entry.repository_bytes):>9}  {entry.wal_start}-{entry.wal_stop[-8:]:<16}"
            f" {entry.anchor}"
        )
    return 0


def megabytes(size: int) -> str:
    return f"{size / 1_048_576:.1f}MB"


def verify_backups() -> int:
    ok, report = backup.verify_backups(backup_target())
    print(report)
    print("verify: ok" if ok else "verify: FAILED", file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


def restore(args: argparse.Namespace) -> int:
    target = backup_target()
    if args.confirm:
        gone = backup.confirm_restore(target.cluster)
        print(f"deleted {len(gone)} pre-restore data folder(s)" + "".join(f"\n  {p}" for p in gone))
        return 0
    point = backup.RestorePoint(
        latest=args.latest, time=args.to, label=args.to_label, timeline=args.timeline
    )
    if args.to is not None:
        backup.parse_time(args.to)
    aside = backup.restore_stack(stack(), target, point, force=args.force)
    print("restored; the stack is up again and search was rebuilt")
    if aside is not None:
        print(f"the pre-restore data folder is kept in {aside}: `rfl restore --confirm` deletes it")
    return 0


def run_command(args: argparse.Namespace) -> int:
    """A `[commands.<name>]` of config.toml: `python -m <module> args…` in the project."""
    argv = [sys.executable, "-m", args.command_module, *args.command_args]
    return subprocess.call(argv, cwd=project_root())


def add_product_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`rfl <name>` for each enabled `[commands.<name>]` (ADR 0017); a built-in name wins."""
    try:
        declared = load_project_config().enabled_commands()
    except ConfigError as error:
        print(f"rfl: product commands unavailable: {error}", file=sys.stderr)
        return
    for name, block in declared.items():
        if name in commands.choices:
            print(f"rfl: [commands.{name}] ignored: a built-in command", file=sys.stderr)
            continue
        command = commands.add_parser(name, help=block.description, add_help=False)
        command.add_argument("command_args", nargs=argparse.REMAINDER)
        command.set_defaults(run=run_command, command_module=block.module)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rfl", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser
    env = add("init-env", help="write the env file with fresh secrets if it is missing")
    env.add_argument("--port-base", type=int, default=54321, help="API port; Postgres is +1")
    env.add_argument("--typesense-port", type=int, default=8108)
    env.add_argument("--state-dir", default=str(DEFAULT_STATE_DIR))
    env.set_defaults(run=init_env)
    start = add("up", help="start the stack, apply migrations and seed")
    start.add_argument(
        "--nodes",
        type=int,
        choices=range(1, 9),
        help="API nodes behind nginx on the API port (remembered; `rfl down` before changing)",
    )
    start.set_defaults(run=up)
    add("down", help="stop every service of the stack").set_defaults(run=down)
    add("status", help="show each component and whether it runs").set_defaults(run=status)
    log = add("logs", help="show the services' logs")
    log.add_argument("-n", "--lines", type=int, default=50)
    log.add_argument("-f", "--follow", action="store_true")
    log.add_argument(
        "-s", "--service", help="one service's log: api, indexer, typesense, postgres…"
    )
    log.set_defaults(run=logs)
    sql_shell = add("psql", help="superuser psql on the local database")
    sql_shell.add_argument("psql_args", nargs=argparse.REMAINDER)
    sql_shell.set_defaults(run=psql)
    add("reset", help="recreate the database, reapply migrations and seed").set_defaults(run=reset)
    mig = add("migrate", help="apply pending migrations")
    mig.add_argument("--dry-run", action="store_true", help="apply in a rolled-back transaction")
    mig.add_argument("--database-url", help="target database (default: DATABASE_URL)")
    mig.add_argument("--lint", action="store_true", help="lint new migrations, apply nothing")
    mig.add_argument("--since", metavar="REF", help="with --lint: the files git REF lacks")
    mig.add_argument("files", nargs="*", help="with --lint: these files (default: pending ones)")
    mig.add_argument(
        "--backup-first", action="store_true", help="take a backup before applying (production)"
    )
    mig.set_defaults(run=migrate)
    docs = add("docs", help="the API documentation site")
    docs_commands = docs.add_subparsers(dest="docs_command", required=True)
    build = docs_commands.add_parser("build", help="generate the static site served at /docs")
    build.add_argument("--out", help="folder to write (default: <state dir>/docs-site)")
    build.set_defaults(run=docs_build)
    checks = add("test", help="run every check and test against a dedicated test stack")
    checks.add_argument("--keep-stack", action="store_true", help="leave the test stack running")
    checks.add_argument("pytest_args", nargs=argparse.REMAINDER, help="passed on to pytest")
    checks.set_defaults(run=test)
    prove = add("pgtap", help="run pgTAP files against the running test stack")
    prove.add_argument("files", nargs="*", help="sql/tests/*.test.sql files (default: all)")
    prove.set_defaults(run=pgtap)
    config = add("config", help="check an environment's settings (docs/deployment.md)")
    config_commands = config.add_subparsers(dest="config_command", required=True)
    check = config_commands.add_parser("check", help="refuse weak secrets, wildcard CORS, …")
    check.add_argument("--env", required=True, choices=ENVIRONMENTS)
    check.add_argument("--file", help="env file (default: supabase/env/<env>.env)")
    check.set_defaults(run=config_check)
    back = add("backup", help="back up the cluster (pgBackRest), list or verify backups")
    back.add_argument("action", nargs="?", default="take", choices=["take", "list", "verify"])
    back.add_argument("--type", default="full", choices=["full", "diff", "incr"])
    back.set_defaults(run=take_backup)
    rest = add("restore", help="restore the cluster from a backup (stops and restarts the stack)")
    which = rest.add_mutually_exclusive_group(required=True)
    which.add_argument("--latest", action="store_true", help="up to the last archived WAL")
    which.add_argument("--to", metavar="TIME", help="up to a moment (ISO 8601; UTC if no zone)")
    which.add_argument("--to-label", metavar="LABEL", help="one backup's consistent point")
    which.add_argument("--confirm", action="store_true", help="delete the data kept aside")
    rest.add_argument("--timeline", help="recover along this timeline (default: the newest)")
    rest.add_argument("--force", action="store_true", help="stop running services first")
    rest.set_defaults(run=restore)
    add_product_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    run: Command = args.run
    if run is run_command:  # a product command's leading options are its own (`--help`)
        args.command_args = [*unknown, *args.command_args]
    elif unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        return run(args)
    except (SettingsError, ConfigError, MigrationError, StackError, backup.BackupError) as error:
        print(f"rfl: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
