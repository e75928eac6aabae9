"""The native cluster's Unix socket trusts who connects (pg_hba.conf `local … trust`), so only
the cluster's own OS user may open it: another local user gets no superuser session."""

from __future__ import annotations

import os
import subprocess

import pytest

from native_platform.oscommands import SERVICE_USER
from native_platform.postgres import PostgresCluster
from native_platform.settings import StackSettings

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="switching OS users needs root")


def _psql_as(user: str, cluster: PostgresCluster) -> subprocess.CompletedProcess[str]:
    command = ["runuser", "-u", user, "--", "psql", "-h", str(cluster.socket_dir)]
    command += ["-p", str(cluster.port), "-U", "postgres", "-d", "postgres", "-Atc", "select 1"]
    return subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)


def test_only_the_clusters_user_opens_its_socket(stack_settings: StackSettings) -> None:
    cluster = PostgresCluster(stack_settings.state_dir / "postgres", stack_settings.postgres_port)
    own = _psql_as(SERVICE_USER, cluster)
    assert (own.returncode, own.stdout.strip()) == (0, "1")
    other = _psql_as("nobody", cluster)
    assert other.returncode != 0
    assert "Permission denied" in other.stderr
