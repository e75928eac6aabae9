"""Install, upgrade, list and remove modules in one transaction on a psycopg connection.

The caller's role decides (module.manage or service_role, checked again in SQL); every write
goes through app_private.*_game_module, and one call is all or nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from functions.modules.manifest import Manifest, ManifestError, load_manifest
from functions.modules.resolve import install_order

__all__ = [
    "Installed",
    "installed_manifests",
    "install_manifests",
    "load_paths",
    "remove_module",
    "upgrade_changes",
]

Conn = psycopg.Connection[Any]


@dataclass(frozen=True)
class Installed:
    id: str
    version: str
    outcome: str  # "installed" or "unchanged"


def load_paths(paths: list[Path]) -> list[Manifest]:
    """Manifests from files, module folders, or folders of module folders."""
    manifests: list[Manifest] = []
    for path in paths:
        if path.is_dir() and not (path / "module.json").exists():
            folders = sorted(p.parent for p in path.glob("*/module.json"))
            manifests += [load_manifest(folder) for folder in folders]
        else:
            manifests.append(load_manifest(path))
    return manifests


def installed_manifests(conn: Conn) -> dict[str, list[Manifest]]:
    rows = conn.execute(
        "select manifest from public.game_module_versions order by module_id, installed_at"
    ).fetchall()
    out: dict[str, list[Manifest]] = {}
    for (manifest,) in rows:
        parsed = Manifest.model_validate(manifest)
        out.setdefault(parsed.id, []).append(parsed)
    return out


def install_manifests(conn: Conn, manifests: list[Manifest]) -> list[Installed]:
    """Resolve and install `manifests` (an upgrade is the install of a newer version) in one
    transaction; a `ManifestError` or a database error leaves nothing installed."""
    seen: set[tuple[str, str]] = set()
    for i, manifest in enumerate(manifests):
        if (manifest.id, manifest.version) in seen:
            raise ManifestError(f"[{i}].id", f"{manifest.id}@{manifest.version} offered twice")
        seen.add((manifest.id, manifest.version))
    with conn.transaction():
        conn.execute("select pg_catalog.pg_advisory_xact_lock(hashtext('game_modules'))")
        order = install_order(manifests, installed_manifests(conn))
        results = []
        for manifest in order:
            (outcome,) = conn.execute(
                "select app_private.install_game_module(%s::jsonb)",
                (json.dumps(manifest.model_dump(mode="json")),),
            ).fetchone() or ("",)
            results.append(Installed(manifest.id, manifest.version, str(outcome)))
        return results


def remove_module(conn: Conn, module_id: str, version: str | None = None) -> int:
    """Remove a version (or every version) that no campaign pins and no module still needs."""
    with conn.transaction():
        conn.execute("select pg_catalog.pg_advisory_xact_lock(hashtext('game_modules'))")
        installed = installed_manifests(conn)
        left = [m for m in installed.get(module_id, []) if version and m.version != version]
        rest = {k: v for k, v in installed.items() if k != module_id}
        if left:
            rest[module_id] = left
        for other in (m for versions in rest.values() for m in versions):
            for dep in other.dependencies:
                if dep.id == module_id and not left:
                    raise ManifestError(
                        "id", f"{other.id}@{other.version} depends on {module_id}; remove it first"
                    )
        row = conn.execute(
            "select app_private.remove_game_module(%s, %s)", (module_id, version)
        ).fetchone()
        return int(row[0]) if row else 0


def upgrade_changes(old: Manifest, new: Manifest) -> list[str]:
    """What a campaign sees change between two versions: provided things added or removed
    or changed, by kind (items, check types, modifier kinds, conditions, macros, scenes)."""
    changes: list[str] = []
    for kind, before, after in _provided(old, new):
        for key in sorted(before.keys() - after.keys()):
            changes.append(f"{kind} {key} removed")
        for key in sorted(after.keys() - before.keys()):
            changes.append(f"{kind} {key} added")
        for key in sorted(before.keys() & after.keys()):
            if before[key] != after[key]:
                changes.append(f"{kind} {key} changed")
    return changes


def _provided(old: Manifest, new: Manifest) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    def index(m: Manifest) -> dict[str, dict[str, Any]]:
        p, r = m.provides, m.provides.rules
        return {
            "item": {i.key: i for i in p.items},
            "check type": {c.name: c for c in r.check_types},
            "modifier kind": {k.name: k for k in r.modifier_kinds},
            "condition": {c.name: c for c in r.conditions},
            "macro": {c.name: c for c in r.macros},
            "scene": {s.key: s for s in p.scenes},
        }

    before, after = index(old), index(new)
    return [(kind, before[kind], after[kind]) for kind in before]
