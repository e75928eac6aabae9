"""RestSettings from PGRST_* variables and postgrest.conf files."""

from __future__ import annotations

from pathlib import Path

import pytest

from native_platform import rest
from native_platform.rest import settings_for_stack
from native_platform.rest.settings import load_rest_settings
from native_platform.settings import StackSettings


def test_config_file_with_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """postgrest.conf keys map to settings; PGRST_* environment variables win."""
    conf = tmp_path / "postgrest.conf"
    conf.write_text(
        'db-uri = "postgres://a@b/c"\ndb-schemas = "api, public"\n'
        'db-anon-role = "web_anon"  # comment\ndb-max-rows = 100\n'
        "server-port = 4000\n"
    )
    monkeypatch.setenv("PGRST_SERVER_PORT", "4100")
    settings = load_rest_settings(conf)
    assert settings.db_uri.get_secret_value() == "postgres://a@b/c"
    assert settings.schemas == ("api", "public")
    assert settings.db_anon_role == "web_anon" and settings.db_max_rows == 100
    assert settings.server_port == 4100


def test_defaults_follow_postgrest(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without configuration: schema public, no anon role, role claim `.role`, pool 10."""
    for name in ("PGRST_DB_SCHEMAS", "PGRST_DB_ANON_ROLE", "PGRST_DB_POOL"):
        monkeypatch.delenv(name, raising=False)
    settings = load_rest_settings()
    assert settings.schemas == ("public",) and settings.db_anon_role is None
    assert settings.role_claim_path == ("role",) and settings.db_pool == 10


def test_settings_for_stack(stack_settings: StackSettings) -> None:
    """Inside the stack: authenticator login, anon role, 1000-row cap, check_request hook."""
    settings = settings_for_stack(stack_settings)
    assert settings.db_uri.get_secret_value() == stack_settings.authenticator_url()
    assert (settings.db_anon_role, settings.db_max_rows) == ("anon", 1000)
    assert settings.db_pre_request == "app_private.check_request"
    assert settings.jwt_secret == stack_settings.jwt_secret


def test_public_names() -> None:
    """The package exports exactly its documented entry points."""
    assert sorted(rest.__all__) == [
        "RestSettings",
        "create_app",
        "load_rest_settings",
        "settings_for_stack",
    ]
