"""Settings of the auth server: its database login, the JWT secret and its HTTP limits."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from native_platform.project_config import load_project_config
from native_platform.settings import StackSettings

__all__ = ["AuthSettings"]


class AuthSettings(BaseSettings):
    """Read from `AUTH_*` variables, or derived from the stack's settings (`from_stack`)."""

    model_config = SettingsConfigDict(env_prefix="AUTH_", extra="ignore")

    database_url: SecretStr = Field(description="Connection string of the `authenticator` role")
    jwt_secret: SecretStr = Field(min_length=32, description="HS256 secret of the bearer tokens")
    host: str = "127.0.0.1"
    port: int = Field(default=9999, ge=1, le=65535)
    pool_min_size: int = Field(default=1, ge=1)
    pool_max_size: int = Field(default=4, ge=1)
    pool_timeout_seconds: float = Field(default=5.0, gt=0)
    max_body_bytes: int = Field(default=1_048_576, ge=1)
    # Behind our gateway the peer address is right; trust X-Forwarded-For only behind a proxy
    # that overwrites it.
    trust_forwarded_for: bool = False
    # GoTrue's GOTRUE_MAILER_AUTOCONFIRM=false: sign-ups wait for confirmation, and sign-up no
    # longer tells whether an address is registered. We have no mailer: only the answers change.
    enable_confirmations: bool = Field(
        default_factory=lambda: load_project_config().auth.email.enable_confirmations
    )

    # GoTrue's GOTRUE_DISABLE_SIGNUP (and the email provider's switch): 422 signup_disabled.
    enable_signup: bool = Field(default_factory=lambda: _signup_enabled())

    @classmethod
    def from_stack(cls, stack: StackSettings, **overrides: object) -> AuthSettings:
        values: dict[str, object] = {
            "database_url": stack.authenticator_url(),
            "jwt_secret": stack.jwt_secret.get_secret_value(),
            "host": stack.api_host,
        }
        values.update(overrides)
        return cls.model_validate(values)


def _signup_enabled() -> bool:
    """config.toml's `[auth] enable_signup` and `[auth.email] enable_signup`, both needed."""
    config = load_project_config()
    return config.auth.enable_signup and config.auth.email.enable_signup
