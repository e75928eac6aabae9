"""Lint new migrations for operations that lock or break a live database.

squawk (the `squawk-cli` wheel, docs/adr/0011-migration-lint-with-squawk.md) finds table
rewrites, blocking index builds, drops, `NOT NULL` without a default and lock-heavy ALTERs. A
finding is allowed only by a reviewed marker in the comment lines right above its statement:

    -- lint: allow ban-drop-column — clients stopped reading it in 20261205070000 (expand step)

Only migrations newer than BASELINE are linted: the ones before it were applied everywhere when
the lint was introduced and are never edited.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from native_platform.migrations import FILE_NAME, MIGRATIONS_DIR, MigrationError
from native_platform.settings import project_root

__all__ = ["BASELINE", "Finding", "lint_migrations", "migrations_added_since"]

# The newest migration on main when the lint was introduced; every later file is linted.
BASELINE = "20261205050090"
# Style rules, or rules the runner already satisfies (it sets lock_timeout in each migration's
# transaction); everything else squawk reports blocks the migration.
RULES_OFF = (
    "require-lock-timeout",
    "require-statement-timeout",
    "prefer-bigint-over-int",
    "prefer-bigint-over-smallint",
    "prefer-identity",
    "prefer-robust-stmts",
    "prefer-text-field",
)
MARKER = re.compile(
    r"--\s*lint:\s*allow\s+(?P<rules>[a-z0-9-]+(?:\s*,\s*[a-z0-9-]+)*)\s*(?:—|--|:)\s*(?P<reason>.*)"
)
MIN_REASON = 10


@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return (
            f"{self.path.name}:{self.line}: {self.rule}: {self.message} (if reviewed, mark the"
            f" statement with `-- lint: allow {self.rule} — <reason>` on the line above)"
        )


def squawk() -> str:
    local = Path(sys.executable).parent / "squawk"
    found = str(local) if local.exists() else shutil.which("squawk")
    if found is None:
        raise MigrationError("squawk is not installed: run scripts/bootstrap.sh")
    return found


def run_squawk(paths: list[Path]) -> list[Finding]:
    command = [squawk(), "--reporter", "json", "--assume-in-transaction", "--pg-version", "15"]
    result = subprocess.run(
        [*command, "--exclude", ",".join(RULES_OFF), *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in (0, 1) or not result.stdout.strip():
        raise MigrationError(f"squawk failed (exit {result.returncode}): {result.stderr.strip()}")
    return [
        # squawk counts lines from 0.
        Finding(Path(item["file"]), item["line"] + 1, item["rule_name"], item["message"])
        for item in json.loads(result.stdout)
    ]


def boundary(line: str) -> bool:
    """A line no statement continues across: blank, a comment, or the end of one."""
    text = line.strip()
    return not text or text.startswith("--") or text.endswith(";")


def allowed_rules(lines: list[str], line: int) -> set[str]:
    """Rules allowed for the statement holding `line` (1-based) by the markers right above it."""
    index = line - 1
    while index > 0 and not boundary(lines[index - 1]):
        index -= 1
    # `index` is the statement's first line; its markers are the comment lines right above.
    rules: set[str] = set()
    above = index - 1
    while above >= 0 and lines[above].lstrip().startswith("--"):
        match = MARKER.search(lines[above])
        if match and len(match["reason"].strip()) >= MIN_REASON:
            rules.update(rule.strip() for rule in match["rules"].split(","))
        above -= 1
    return rules


def lint_migrations(paths: list[Path]) -> list[Finding]:
    """Findings of `paths` not allowed by a reviewed marker, in file and line order."""
    if not paths:
        return []
    texts = {path.resolve(): path.read_text().splitlines() for path in paths}
    return sorted(
        (
            finding
            for finding in run_squawk(paths)
            if finding.rule not in allowed_rules(texts[finding.path.resolve()], finding.line)
        ),
        key=lambda finding: (finding.path.name, finding.line),
    )


def after_baseline(paths: list[Path]) -> list[Path]:
    return [path for path in paths if path.name[:14] > BASELINE]


def migrations_added_since(
    ref: str, folder: Path = MIGRATIONS_DIR, repo: Path | None = None
) -> tuple[list[Path], str]:
    """Migration files on disk that `ref` (e.g. origin/main) lacks, and `ref`'s newest version."""
    root = repo or project_root()
    listing = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", ref, "--", str(folder.relative_to(root))],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if listing.returncode != 0:
        raise MigrationError(f"git ls-tree {ref}: {listing.stderr.strip()}")
    known = {Path(name).name for name in listing.stdout.split()}
    versions = sorted(name[:14] for name in known if FILE_NAME.match(name))
    added = [p for p in sorted(folder.glob("*.sql")) if p.name not in known]
    return added, versions[-1] if versions else ""
