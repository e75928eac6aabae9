"""What the tests of the compose stack share: the deployment, its players, and podman /
podman-compose with the project's configuration (scripts/containers.sh)."""

from __future__ import annotations

import os
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
from supabase import Client, ClientOptions, create_client

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-battery"


@dataclass
class Deployment:
    url: str
    anon_key: str
    project: str
    http: httpx.Client


@dataclass
class Player:
    client: Client
    user_id: str
    access_token: str


def sign_up(deployment: Deployment, name: str) -> Player:
    options = ClientOptions(auto_refresh_token=False, httpx_client=deployment.http)
    client = create_client(deployment.url, deployment.anon_key, options)
    email = f"{name}-{uuid.uuid4().hex[:8]}@example.com"
    response = client.auth.sign_up({"email": email, "password": PASSWORD})
    assert response.user is not None
    assert response.session is not None
    return Player(client, response.user.id, response.session.access_token)


def containers(*args: str) -> str:
    """`scripts/containers.sh podman ARGS`: its output (CalledProcessError when it fails)."""
    command = [str(ROOT / "scripts/containers.sh"), "podman", *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def compose(*args: str) -> str:
    """`scripts/containers.sh compose --project-name <the test's> ARGS`, as docs/operations.md
    writes the commands; its output, or an AssertionError carrying what it said."""
    project = os.environ["RFL_DEPLOY_PROJECT"]
    command = [str(ROOT / "scripts/containers.sh"), "compose", "--project-name", project, *args]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    said = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(args)}: exit {result.returncode}\n{said}"
    return result.stdout
