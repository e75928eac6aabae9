"""Manage game modules: `install <file|dir>…`, `upgrade <file|dir>…`, `list`,
`remove <id[@version]>` (what `rfl modules` runs, docs/modules.md); and the `make up` seed step."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

import psycopg

from functions.common.config import get_config
from functions.modules.assets import module_assets, module_folders, store_assets
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


async def _install_with_assets(
    conn: psycopg.Connection[Any], paths: list[Path], assets: bool
) -> list[Installed]:
    """Install the modules under `paths` and store their scenes' assets (functions.modules.
    assets) in one transaction; every asset is checked before anything is written."""
    manifests = load_paths(paths)
    if not assets:
        return install_manifests(conn, manifests)
    from functions.storage.backends import make_backend
    from functions.storage.config import StorageSettings

    files = [
        asset
        for manifest, folder in zip(manifests, module_folders(paths), strict=True)
        for asset in module_assets(conn, manifest, folder)
    ]
    backend = make_backend(StorageSettings.load())
    await backend.start()
    with conn.transaction():
        results = install_manifests(conn, manifests)
        _, replaced = await store_assets(conn, backend, files)
    await backend.delete(replaced)  # after the commit, as the storage service does
    return results


def install_paths(database_url: str, paths: list[Path], assets: bool = True) -> list[Installed]:
    """Install (or upgrade to) the modules under `paths` as the service role, their assets
    into the module-assets bucket unless `assets` is false."""
    with _connect(database_url) as conn:
        return asyncio.run(_install_with_assets(conn, paths, assets))


def install_samples(database_url: str, assets: bool = True) -> list[Installed]:
    """Seed step: install the sample modules under supabase/modules (idempotent)."""
    return install_paths(database_url, [SAMPLES], assets)


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
                for result in asyncio.run(_install_with_assets(conn, args.paths, True)):
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
