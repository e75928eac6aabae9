"""Manage game modules: `install <file|dir>…`, `upgrade <file|dir>…`, `list`,
`remove <id[@version]>` (what `rfl modules` runs, docs/modules.md); and the `make up` seed step."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import psycopg

from functions.common.config import get_config
from functions.modules.manifest import ManifestError
from functions.modules.store import (
    Installed,
    install_manifests,
    installed_manifests,
    load_paths,
    remove_module,
)

SAMPLES = Path(__file__).resolve().parents[2] / "supabase" / "modules"


def _connect(database_url: str) -> psycopg.Connection[Any]:
    conn: psycopg.Connection[Any] = psycopg.connect(database_url, autocommit=True)
    conn.execute("set role service_role")
    return conn


def install_samples(database_url: str) -> list[Installed]:
    """Seed step: install the sample modules under supabase/modules (idempotent)."""
    with _connect(database_url) as conn:
        return install_manifests(conn, load_paths([SAMPLES]))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="rfl modules", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("install", "upgrade"):
        sub.add_parser(name).add_argument("paths", nargs="+", type=Path)
    sub.add_parser("list")
    sub.add_parser("remove").add_argument("module", help="id or id@version")
    args = parser.parse_args(argv)
    url = get_config().database_url.get_secret_value()
    try:
        with _connect(url) as conn:
            if args.command == "list":
                for module_id, versions in sorted(installed_manifests(conn).items()):
                    listed = ", ".join(m.version for m in versions)
                    sys.stdout.write(f"{module_id} {listed}\n")
            elif args.command == "remove":
                module_id, _, version = str(args.module).partition("@")
                count = remove_module(conn, module_id, version or None)
                sys.stdout.write(f"removed {count} version(s) of {module_id}\n")
            else:
                manifests = load_paths(args.paths)
                for result in install_manifests(conn, manifests):
                    sys.stdout.write(f"{result.outcome} {result.id}@{result.version}\n")
    except ManifestError as error:
        sys.stderr.write(f"rfl modules: {error}\n")
        return 1
    except psycopg.Error as error:
        sys.stderr.write(f"rfl modules: {error.diag.message_primary or error}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
