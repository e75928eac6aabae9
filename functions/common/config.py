"""One settings pattern for every function: a pydantic-settings class per function, derived
from `FunctionSettings`, read once through a cached dependency (`settings_dependency`).

Values come, first to last: what the code passes (tests build their own), `RFL_FUNCTIONS_*`
variables (another database or search node for a function or a worker), then the stack's own
settings (`RFL_ENV_FILE` / `supabase/config.toml`, as the API login role).
"""

from __future__ import annotations

from functools import _lru_cache_wrapper, lru_cache
from typing import Any, Self, TypeVar

from pydantic import Field, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from native_platform.settings import StackSettings, load_settings

__all__ = [
    "ContentSettings",
    "FunctionSettings",
    "FunctionsConfig",
    "get_config",
    "settings_dependency",
]

S = TypeVar("S", bound="FunctionSettings")


class _StackDefaults(PydanticBaseSettingsSource):
    """The lowest layer: what the stack in force says (only for fields nobody else set)."""

    def get_field_value(
        self,
        field: FieldInfo,  # noqa: ARG002
        field_name: str,
    ) -> tuple[Any, str, bool]:
        return None, field_name, False  # pragma: no cover - __call__ does the work

    def __call__(self) -> dict[str, Any]:
        defaults = getattr(self.settings_cls, "stack_defaults", None)
        return defaults(load_settings()) if defaults is not None else {}


class FunctionSettings(BaseSettings):
    """What every function needs: the login DSN (sessions switch to the caller) and the JWT
    secret of the stack's one verifier."""

    model_config = SettingsConfigDict(env_prefix="RFL_FUNCTIONS_", extra="ignore", frozen=True)

    database_url: SecretStr = Field(description="Login DSN (authenticator)")
    jwt_secret: SecretStr = Field(min_length=32)

    @classmethod
    def load(cls, **values: Any) -> Self:
        """`values`, then the environment, then the stack: every field is filled."""
        return cls(**values)

    @classmethod
    def stack_defaults(cls, stack: StackSettings) -> dict[str, Any]:
        """The stack's values for this class's fields; subclasses add their own."""
        return {"database_url": stack.authenticator_url(), "jwt_secret": stack.jwt_secret}

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,  # noqa: ARG003
        file_secret_settings: PydanticBaseSettingsSource,  # noqa: ARG003
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, _StackDefaults(settings_cls)


class ContentSettings(FunctionSettings):
    """The content functions (CMS, search) and the indexer: Typesense and the webhook secret."""

    typesense_url: str
    typesense_api_key: SecretStr = Field(min_length=16)
    # Not overridable from the environment: the stack's secret only.
    cms_webhook_secret: SecretStr = Field(min_length=16)
    collection_prefix: str = Field(default="", pattern=r"^[a-z0-9_]{0,40}$")
    search_key_ttl_seconds: int = Field(default=300, ge=30, le=3600)
    max_webhook_bytes: int = Field(default=256 * 1024, ge=1024)

    @classmethod
    def stack_defaults(cls, stack: StackSettings) -> dict[str, Any]:
        return super().stack_defaults(stack) | {
            "typesense_url": stack.typesense_url,
            "typesense_api_key": stack.typesense_api_key,
            "cms_webhook_secret": stack.cms_webhook_secret,
        }


# The name the content functions' settings had; kept for callers outside functions/.
FunctionsConfig = ContentSettings


def settings_dependency(cls: type[S]) -> _lru_cache_wrapper[S]:
    """A cached FastAPI dependency reading `cls` once; an app given settings overrides it."""

    @lru_cache
    def get_settings() -> S:
        return cls.load()

    get_settings.__doc__ = f"The {cls.__name__} in force; tests override this dependency."
    return get_settings


get_config = settings_dependency(ContentSettings)
