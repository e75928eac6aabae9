"""Rotating the JWT secret and the database passwords on a running stack, as docs/operations.md
("Rotating secrets") tells: on a throwaway cluster of its own (the login roles are cluster-wide:
the shared test cluster is never touched), a gateway run as `rfl up` runs it.

Steps: new values in the env file, `rfl migrate` (gives the roles their passwords and the
database its JWT secret), the API restarted with JWT_PREVIOUS_SECRET (the grace period: tokens
of both secrets verify), then restarted without it (old tokens refused)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import jwt
import psycopg
import pytest
from psycopg import sql

from native_platform.caller import JwtVerifier, TokenProblem, TokenRejected, previous_jwt_secrets
from native_platform.envfile import api_key, write_env_file
from native_platform.postgres import PostgresCluster
from native_platform.settings import load_settings
from native_platform.stack import api_command
from tests.helpers.gateway_process import gateway_process
from tests.helpers.servers import free_port

RFL = str(Path(sys.executable).parent / "rfl")


def rfl(env_file: Path, *args: str) -> None:
    env = {**os.environ, "RFL_ENV_FILE": str(env_file)}
    done = subprocess.run([RFL, *args], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def replace_values(env_file: Path, values: dict[str, str]) -> None:
    """The env file with `values` in place of its own (the operator's edit)."""
    lines = []
    for line in env_file.read_text().splitlines():
        name = line.split("=", 1)[0]
        lines.append(f"{name}={values[name]}" if name in values else line)
    env_file.write_text("\n".join(lines) + "\n")


@contextmanager
def running_api(
    env_file: Path, tmp_path: Path, previous_secret: str | None = None
) -> Iterator[str]:
    """The gateway of the env file's settings on a port of its own; its URL."""
    settings = load_settings.__wrapped__(env_file)
    port = free_port()
    env = {**os.environ, "RFL_ENV_FILE": str(env_file)}
    env.pop("JWT_PREVIOUS_SECRET", None)
    if previous_secret is not None:
        secret_file = tmp_path / "jwt_previous_secret"
        secret_file.write_text(previous_secret + "\n")
        env["JWT_PREVIOUS_SECRET_FILE"] = str(secret_file)
    command = api_command(settings.model_copy(update={"api_port": port}))
    log_file = tmp_path / f"api-{port}.log"
    with gateway_process(command, port, env, log_file) as (url, _):
        yield url


def rest_status(url: str, key: str, token: str | None = None) -> int:
    """A REST read with the API key `key` and the bearer `token` (the key by default)."""
    headers = {"apikey": key, "Authorization": f"Bearer {token or key}"}
    return httpx.get(f"{url}/rest/v1/campaigns?select=id&limit=1", headers=headers).status_code


def connects(port: int, role: str, password: str) -> bool:
    dsn = f"postgresql://{role}@127.0.0.1:{port}/postgres"
    try:
        with psycopg.connect(dsn, password=password, connect_timeout=5):
            return True
    except psycopg.OperationalError as error:
        assert "password authentication failed" in str(error)
        return False


@pytest.fixture
def stack_env(tmp_path: Path) -> Iterator[Path]:
    """A migrated throwaway cluster and its env file."""
    state = tmp_path / "state"
    state.mkdir()
    port = free_port()
    env_file = state / ".env"
    write_env_file(env_file, state, port - 1, free_port(), durable=False)
    settings = load_settings.__wrapped__(env_file)
    cluster = PostgresCluster(state / "postgres", port, durable=False)
    cluster.initialize(settings.postgres_password.get_secret_value())
    cluster.start()
    try:
        rfl(env_file, "migrate")
        yield env_file
    finally:
        cluster.stop()


def test_jwt_secret_and_passwords_rotate_on_a_running_stack(
    stack_env: Path, tmp_path: Path
) -> None:
    old = load_settings.__wrapped__(stack_env)
    old_key = old.service_role_key.get_secret_value()
    # A token in flight (a signed-in user's access token): signed with the old secret.
    expires = int(time.time()) + 600
    old_claims = {"role": "authenticated", "aud": "authenticated", "sub": str(uuid.uuid4())}
    old_token = jwt.encode({**old_claims, "exp": expires}, old.jwt_secret.get_secret_value())
    with running_api(stack_env, tmp_path) as url:
        assert rest_status(url, old_key) == 200
        assert rest_status(url, old_key, old_token) == 200

    # The rotation: new secret and keys, new passwords; the superuser's by SQL first (the
    # stack's own DATABASE_URL must keep working for `rfl migrate`).
    new_secret = secrets.token_urlsafe(48)
    new_postgres, new_authenticator = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    port = old.postgres_port
    with psycopg.connect(old.database_url.get_secret_value(), autocommit=True) as conn:
        conn.execute(sql.SQL("alter role postgres password {}").format(new_postgres))
    new_url = f"postgresql://postgres:{new_postgres}@127.0.0.1:{port}/postgres"
    replace_values(
        stack_env,
        {
            "JWT_SECRET": new_secret,
            "ANON_KEY": api_key("anon", new_secret),
            "SERVICE_ROLE_KEY": api_key("service_role", new_secret),
            "POSTGRES_PASSWORD": new_postgres,
            "AUTHENTICATOR_PASSWORD": new_authenticator,
            "DATABASE_URL": new_url,
        },
    )
    rfl(stack_env, "migrate")
    new_key = load_settings.__wrapped__(stack_env).service_role_key.get_secret_value()

    old_authenticator = old.authenticator_password.get_secret_value()
    assert not connects(port, "authenticator", old_authenticator)
    assert connects(port, "authenticator", new_authenticator)
    assert not connects(port, "postgres", old.postgres_password.get_secret_value())
    assert connects(port, "postgres", new_postgres)

    forged = api_key("service_role", secrets.token_urlsafe(48))
    # Grace period: tokens of both secrets verify (the API keys themselves change at once: the
    # gateway's key check knows the current ones only); the API reaches Postgres with the new
    # password.
    with running_api(stack_env, tmp_path, previous_secret=old.jwt_secret.get_secret_value()) as url:
        assert rest_status(url, new_key) == 200
        assert rest_status(url, new_key, old_token) == 200
        assert rest_status(url, new_key, forged) == 401
        assert rest_status(url, old_key) == 401
    # The grace period over: the old secret's tokens are refused.
    with running_api(stack_env, tmp_path) as url:
        assert rest_status(url, new_key) == 200
        assert rest_status(url, new_key, old_token) == 401
        assert rest_status(url, new_key, forged) == 401


def test_the_previous_secret_verifies_and_nothing_else_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    current, previous, other = (secrets.token_urlsafe(48) for _ in range(3))
    monkeypatch.delenv("JWT_PREVIOUS_SECRET", raising=False)
    monkeypatch.delenv("JWT_PREVIOUS_SECRET_FILE", raising=False)
    assert previous_jwt_secrets() == ()
    monkeypatch.setenv("JWT_PREVIOUS_SECRET", previous)
    assert previous_jwt_secrets() == (previous,)
    secret_file = tmp_path / "previous"
    secret_file.write_text(previous + "\n")
    monkeypatch.delenv("JWT_PREVIOUS_SECRET")
    monkeypatch.setenv("JWT_PREVIOUS_SECRET_FILE", str(secret_file))
    assert previous_jwt_secrets() == (previous,)

    verifier = JwtVerifier(current, previous_secrets=(previous,))
    claims = {"role": "authenticated", "aud": "authenticated", "exp": int(time.time()) + 60}
    assert verifier.verify(jwt.encode(claims, current)).role == "authenticated"
    assert verifier.verify(jwt.encode(claims, previous)).role == "authenticated"
    with pytest.raises(TokenRejected) as refused:
        verifier.verify(jwt.encode(claims, other))
    assert refused.value.problem is TokenProblem.BAD_SIGNATURE
    # The old secret's token is judged by its claims like any other: expired stays expired.
    with pytest.raises(TokenRejected) as expired:
        verifier.verify(jwt.encode({**claims, "exp": int(time.time()) - 120}, previous))
    assert expired.value.problem is TokenProblem.EXPIRED
    with pytest.raises(ValueError, match="32 characters"):
        JwtVerifier(current, previous_secrets=("short",))
