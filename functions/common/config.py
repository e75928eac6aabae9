"""The content functions' settings, derived from the stack's settings and read through a cache."""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from native_platform.settings import load_settings

__all__ = ["FunctionsConfig", "FunctionsOverrides", "get_config"]


class FunctionsConfig(BaseModel):
    """What the CMS, search and indexer functions need; tests build one per test."""

    database_url: SecretStr = Field(description="Login DSN; sessions switch to service_role")
    typesense_url: str
    typesense_api_key: SecretStr = Field(min_length=16)
    jwt_secret: SecretStr = Field(min_length=32)
    cms_webhook_secret: SecretStr = Field(min_length=16)
    collection_prefix: str = Field(default="", pattern=r"^[a-z0-9_]{0,40}$")
    search_key_ttl_seconds: int = Field(default=300, ge=30, le=3600)
    max_webhook_bytes: int = Field(default=256 * 1024, ge=1024)


class FunctionsOverrides(BaseSettings):
    """`RFL_FUNCTIONS_*` variables that point a function or the indexer somewhere else."""

    model_config = SettingsConfigDict(env_prefix="RFL_FUNCTIONS_", extra="ignore")

    database_url: SecretStr | None = None
    typesense_url: str | None = None
    typesense_api_key: SecretStr | None = None
    collection_prefix: str = ""


@lru_cache
def get_config() -> FunctionsConfig:
    """The stack's configuration (`RFL_ENV_FILE`) as the API login role, plus any overrides."""
    settings = load_settings()
    overrides = FunctionsOverrides()
    return FunctionsConfig(
        database_url=overrides.database_url or SecretStr(settings.authenticator_url()),
        typesense_url=overrides.typesense_url or settings.typesense_url,
        typesense_api_key=overrides.typesense_api_key or settings.typesense_api_key,
        jwt_secret=settings.jwt_secret,
        cms_webhook_secret=settings.cms_webhook_secret,
        collection_prefix=overrides.collection_prefix,
    )
