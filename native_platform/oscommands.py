"""Run programs as the OS user that owns the Postgres cluster."""

from __future__ import annotations

import os
import pwd
import stat
import subprocess
from pathlib import Path

__all__ = [
    "chown_to_service_user",
    "ensure_service_user_can_reach",
    "run_as_service_user",
    "service_user_prefix",
]

# Postgres refuses to run as root, so a root caller hands the cluster to this user.
SERVICE_USER = "postgres"


def running_as_root() -> bool:
    return os.geteuid() == 0


def service_user_prefix() -> list[str]:
    return ["runuser", "-u", SERVICE_USER, "--"] if running_as_root() else []


def chown_to_service_user(path: Path) -> None:
    if running_as_root():
        entry = pwd.getpwnam(SERVICE_USER)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def ensure_service_user_can_reach(path: Path) -> None:
    """Let the service user traverse every folder above `path` (a root-owned clone may be 0700)."""
    if not running_as_root():
        return
    for folder in reversed(path.resolve().parents):
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            os.chmod(folder, mode | stat.S_IXOTH)


def run_as_service_user(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    command = service_user_prefix() + args
    return subprocess.run(command, check=True, text=True, capture_output=True, **kwargs)  # type: ignore[call-overload, no-any-return]
