"""What the containers need from the settings: secrets from `<NAME>_FILE`, the other services'
hosts, the proxy's X-Forwarded-For believed only when configured, and a CORS origin list."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from native_platform.envfile import write_env_file
from native_platform.gateway.app import create_app
from native_platform.postgres import PostgresCluster
from native_platform.settings import SettingsError, StackSettings, load_settings
from native_platform.stack import api_command


@pytest.fixture
def env_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / ".env"
    write_env_file(path, tmp_path / "state", 54321, 8108)
    load_settings.cache_clear()
    yield path
    load_settings.cache_clear()


def test_a_secret_comes_from_its_file(
    env_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """JWT_SECRET_FILE wins over the env file; the file's trailing newline is dropped."""
    secret = tmp_path / "jwt_secret"
    secret.write_text("s" * 20 + "0123456789abcdef\n")
    monkeypatch.setenv("JWT_SECRET_FILE", str(secret))
    assert load_settings(env_file).jwt_secret.get_secret_value() == "s" * 20 + "0123456789abcdef"


def test_a_secret_set_twice_or_unreadable_is_named(
    env_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TYPESENSE_API_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(SettingsError, match="TYPESENSE_API_KEY_FILE is invalid: No such file"):
        load_settings(env_file)
    load_settings.cache_clear()
    secret = tmp_path / "key"
    secret.write_text("k" * 32)
    monkeypatch.setenv("TYPESENSE_API_KEY_FILE", str(secret))
    monkeypatch.setenv("TYPESENSE_API_KEY", "k" * 32)
    with pytest.raises(SettingsError, match="TYPESENSE_API_KEY is set twice"):
        load_settings(env_file)


def test_hosts_of_the_other_services(env_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    native = load_settings(env_file)
    assert native.typesense_url == "http://127.0.0.1:8108"
    assert "@127.0.0.1:54322/postgres" in native.authenticator_url()
    load_settings.cache_clear()
    monkeypatch.setenv("POSTGRES_HOST", "db")
    monkeypatch.setenv("TYPESENSE_HOST", "typesense")
    monkeypatch.setenv("POSTGRES_PORT", "5432")
    container = load_settings(env_file)
    assert container.typesense_url == "http://typesense:8108"
    assert container.authenticator_url("other").endswith("@db:5432/other")


def test_proxy_headers_only_from_the_configured_proxies(
    env_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """By default the gateway is the edge; FORWARDED_ALLOW_IPS names the proxies to believe."""
    assert "--no-proxy-headers" in api_command(load_settings(env_file))
    load_settings.cache_clear()
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.89.77.0/24")
    command = api_command(load_settings(env_file))
    assert "--no-proxy-headers" not in command
    at = command.index("--forwarded-allow-ips")
    assert command[at - 1 : at + 2] == ["--proxy-headers", "--forwarded-allow-ips", "10.89.77.0/24"]


def preflight(settings: StackSettings, origin: str) -> str | None:
    """A browser's preflight; the gateway's CORS layer answers before any service runs, so the
    app is served without its lifespan (no database needed)."""

    async def ask() -> str | None:
        transport = httpx.ASGITransport(app=create_app(settings))
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            response = await client.options(
                "/rest/v1/campaigns",
                headers={"Origin": origin, "Access-Control-Request-Method": "GET"},
            )
        allowed: str | None = response.headers.get("access-control-allow-origin")
        return allowed

    return asyncio.run(ask())


def test_cors_answers_only_the_listed_origins(
    env_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert preflight(load_settings(env_file), "https://anywhere.example") is not None
    load_settings.cache_clear()
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", "https://app.example.org, https://admin.example.org")
    listed = load_settings(env_file)
    assert preflight(listed, "https://admin.example.org") == "https://admin.example.org"
    assert preflight(listed, "https://evil.example") is None


def test_the_db_image_archives_wal_as_the_native_cluster() -> None:
    """The Postgres image's archiving settings are the native cluster's for its layout (the
    volume /var/lib/postgresql, pgbackrest.conf in the backup volume /var/lib/pgbackrest)."""
    conf = (Path(__file__).parents[2] / "deploy/images/postgres/postgresql.conf").read_text()
    native = PostgresCluster(Path("/var/lib/postgresql"), 5432).archive_settings()
    for name, value in native.items():
        assert f"\n{name} = {value}\n" in conf, name
