"""The functions' configuration: the stack's settings plus RFL_FUNCTIONS_* overrides."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from functions.common.config import get_config
from functions.dice.config import DiceSettings
from native_platform.settings import StackSettings


def test_get_config_uses_stack_settings(stack_settings: StackSettings) -> None:
    """Without overrides the functions log in as the API role to the stack's database."""
    get_config.cache_clear()
    config = get_config()
    assert config.database_url.get_secret_value() == stack_settings.authenticator_url()
    assert config.typesense_url == stack_settings.typesense_url
    assert config.collection_prefix == ""


def test_get_config_applies_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    """RFL_FUNCTIONS_* variables point the functions at another database and prefix."""
    monkeypatch.setenv("RFL_FUNCTIONS_DATABASE_URL", "postgresql://elsewhere/db")
    monkeypatch.setenv("RFL_FUNCTIONS_COLLECTION_PREFIX", "staging_")
    get_config.cache_clear()
    try:
        config = get_config()
        assert config.database_url.get_secret_value() == "postgresql://elsewhere/db"
        assert config.collection_prefix == "staging_"
    finally:
        get_config.cache_clear()


def test_function_settings_layers(
    monkeypatch: pytest.MonkeyPatch, stack_settings: StackSettings
) -> None:
    """One settings base for every function: what the code passes, then RFL_FUNCTIONS_*
    variables, then the stack's own values."""
    assert DiceSettings.load().database_url.get_secret_value() == stack_settings.authenticator_url()
    monkeypatch.setenv("RFL_FUNCTIONS_DATABASE_URL", "postgresql://elsewhere/db")
    assert DiceSettings.load().database_url.get_secret_value() == "postgresql://elsewhere/db"
    given = DiceSettings.load(database_url=SecretStr("postgresql://given/db"))
    assert given.database_url.get_secret_value() == "postgresql://given/db"
    assert given.jwt_secret == stack_settings.jwt_secret
