"""Dependency resolution of module manifests: pure, so the CLI, the admin API and tests share it.

Errors are `ManifestError`s naming the field: `engine` (engine too old or too new),
`dependencies[i].id` (missing), `dependencies[i].version` (no installed or offered version
fits), `conflicts[i]` (a conflicting module is present), `dependencies` (a cycle).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from functions.modules.manifest import ENGINE_VERSION, Manifest, ManifestError, check_rules
from functions.modules.versions import matches, parse_version
from py_rules import RulesRegistry, default_registry

__all__ = ["install_order", "registry_for"]


def _pick(candidates: Iterable[Manifest], range_: str) -> Manifest | None:
    fitting = [m for m in candidates if matches(m.version, range_)]
    return max(fitting, key=lambda m: parse_version(m.version), default=None)


def _fail(manifest: Manifest, field: str, message: str) -> ManifestError:
    return ManifestError(field, f"{manifest.id}@{manifest.version}: {message}")


class _Resolver:
    def __init__(self, offered: list[Manifest], installed: Mapping[str, list[Manifest]]) -> None:
        self.pool: dict[str, list[Manifest]] = {k: list(v) for k, v in installed.items()}
        for manifest in offered:
            self.pool.setdefault(manifest.id, []).append(manifest)
        self.offered = {m.id: m for m in offered}
        self.order: list[Manifest] = []
        self.state: dict[str, str] = {}

    def _dependencies(self, manifest: Manifest, path: tuple[str, ...]) -> None:
        for i, dep in enumerate(manifest.dependencies):
            candidates = self.pool.get(dep.id, [])
            if not candidates:
                raise _fail(manifest, f"dependencies[{i}].id", f"requires {dep.id}, not installed")
            chosen = _pick(candidates, dep.version)
            if chosen is None:
                have = ", ".join(sorted(m.version for m in candidates))
                raise _fail(
                    manifest,
                    f"dependencies[{i}].version",
                    f"requires {dep.id} {dep.version}, available: {have}",
                )
            if self.offered.get(chosen.id) is chosen:
                self.visit(chosen, (*path, manifest.id))

    def visit(self, manifest: Manifest, path: tuple[str, ...]) -> None:
        if self.state.get(manifest.id) == "done":
            return
        if self.state.get(manifest.id) == "visiting":
            cycle = " → ".join((*path, manifest.id))
            raise _fail(manifest, "dependencies", f"dependency cycle {cycle}")
        self.state[manifest.id] = "visiting"
        if not matches(ENGINE_VERSION, manifest.engine):
            message = f"needs engine {manifest.engine}, this is {ENGINE_VERSION}"
            raise _fail(manifest, "engine", message)
        self._dependencies(manifest, path)
        for i, conflict in enumerate(manifest.conflicts):
            if _pick(self.pool.get(conflict.id, []), conflict.version) is not None:
                message = f"conflicts with {conflict.id} {conflict.version}"
                raise _fail(manifest, f"conflicts[{i}]", message)
        self.state[manifest.id] = "done"
        self.order.append(manifest)


def install_order(
    offered: list[Manifest], installed: Mapping[str, list[Manifest]]
) -> list[Manifest]:
    """The offered manifests, dependencies first, each checked against what is (or will be)
    installed; a `ManifestError` whose message starts with the module's id@version otherwise."""
    resolver = _Resolver(offered, installed)
    for manifest in offered:
        resolver.visit(manifest, ())
    for manifest in resolver.order:
        check_rules(manifest, registry_for(manifest, resolver.pool))
    return resolver.order


def registry_for(manifest: Manifest, pool: Mapping[str, list[Manifest]]) -> RulesRegistry:
    """The rules a manifest may use: the defaults plus its dependencies' (transitively)."""
    registry = default_registry()
    seen: set[str] = set()

    def add(m: Manifest) -> None:
        nonlocal registry
        for dep in m.dependencies:
            chosen = _pick(pool.get(dep.id, []), dep.version)
            if chosen is not None and chosen.id not in seen:
                seen.add(chosen.id)
                add(chosen)
                registry = check_rules(chosen, registry)

    add(manifest)
    return registry
