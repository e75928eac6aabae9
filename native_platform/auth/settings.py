"""Settings of the auth server: its database login, the JWT secret and its HTTP limits."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from native_platform.auth.providers import ExternalProvider, configured_providers
from native_platform.project_config import load_project_config
from native_platform.settings import StackSettings
from native_platform.signing_keys import stack_issuer

__all__ = ["AuthSettings", "go_duration_seconds"]

GO_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|h|m|s)")
GO_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
# The Supabase CLI's password_requirements, as GoTrue's required character sets.
REQUIRED_CHARACTERS = {
    "": (),
    "letters_digits": ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789"),
    "lower_upper_letters_digits": (
        "abcdefghijklmnopqrstuvwxyz",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "0123456789",
    ),
    "lower_upper_letters_digits_symbols": (
        "abcdefghijklmnopqrstuvwxyz",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "0123456789",
        "!@#$%^&*()_+-=[]{};'\\:\"|<>?,./`~",
    ),
}


def go_duration_seconds(value: object) -> object:
    """Seconds of a Go duration ("24h", "1h30m", "90s"; "" or "0" = 0); numbers pass."""
    return duration_seconds(value) if isinstance(value, str) else value


def duration_seconds(value: str) -> int:
    text = value.strip()
    if text in ("", "0"):
        return 0
    if text.isdigit():
        return int(text)
    parts = GO_DURATION_PART.findall(text)
    if not parts or "".join(number + unit for number, unit in parts) != text:
        raise ValueError(f"not a duration such as 24h or 90s: {value!r}")
    return round(sum(float(number) * GO_UNITS[unit] for number, unit in parts))


Seconds = Annotated[int, BeforeValidator(go_duration_seconds), Field(ge=0)]
PasswordRequirements = Literal[
    "", "letters_digits", "lower_upper_letters_digits", "lower_upper_letters_digits_symbols"
]


class AuthSettings(BaseSettings):
    """Read from `AUTH_*` variables, or derived from the stack's settings (`from_stack`)."""

    model_config = SettingsConfigDict(env_prefix="AUTH_", extra="ignore")

    database_url: SecretStr = Field(description="Connection string of the `authenticator` role")
    jwt_secret: SecretStr = Field(min_length=32, description="HS256 secret of the bearer tokens")
    # The access tokens' signing keys (JWT_KEYS, ADR 0028) and `iss`; "" issuer: the API's.
    jwt_keys: SecretStr = SecretStr("")
    jwt_issuer: str = ""
    # Social sign-in: `[auth.external.*]`, enabled ones (native_platform/auth/providers.py).
    external_providers: dict[str, ExternalProvider] = Field(default_factory=configured_providers)
    host: str = "127.0.0.1"
    port: int = Field(default=9999, ge=1, le=65535)
    pool_min_size: int = Field(default=1, ge=1)
    pool_max_size: int = Field(default=4, ge=1)
    pool_timeout_seconds: float = Field(default=5.0, gt=0)
    max_body_bytes: int = Field(default=1_048_576, ge=1)
    # Behind our gateway the peer address is right; trust X-Forwarded-For only behind a proxy
    # that overwrites it.
    trust_forwarded_for: bool = False
    # GoTrue's GOTRUE_MAILER_AUTOCONFIRM=false: sign-ups wait for confirmation (an email), and
    # sign-up no longer tells whether an address is registered.
    enable_confirmations: bool = Field(
        default_factory=lambda: load_project_config().auth.email.enable_confirmations
    )

    # GoTrue's GOTRUE_DISABLE_SIGNUP (and the email provider's switch): 422 signup_disabled.
    enable_signup: bool = Field(default_factory=lambda: _signup_enabled())
    # GoTrue's GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED: POST /signup without credentials.
    enable_anonymous_sign_ins: bool = Field(
        default_factory=lambda: load_project_config().auth.enable_anonymous_sign_ins
    )

    # Passwords (GoTrue's GOTRUE_PASSWORD_MIN_LENGTH and _REQUIRED_CHARACTERS, as the Supabase
    # CLI names them); checked in SQL (auth.check_password) from transaction settings.
    minimum_password_length: int = Field(
        default_factory=lambda: load_project_config().auth.minimum_password_length, ge=6, le=72
    )
    password_requirements: PasswordRequirements = Field(
        default_factory=lambda: load_project_config().auth.password_requirements
    )
    # Seconds a rotated refresh token still refreshes (GOTRUE_SECURITY_REFRESH_TOKEN_REUSE_
    # INTERVAL); the session timebox and inactivity timeout (seconds or Go durations, 0 = none).
    refresh_token_reuse_interval: int = Field(
        default_factory=lambda: load_project_config().auth.refresh_token_reuse_interval, ge=0
    )
    sessions_timebox: Seconds = Field(
        default_factory=lambda: duration_seconds(load_project_config().auth.sessions.timebox)
    )
    sessions_inactivity_timeout: Seconds = Field(
        default_factory=lambda: duration_seconds(
            load_project_config().auth.sessions.inactivity_timeout
        )
    )
    # TOTP factors (GOTRUE_MFA_*): how many per user, whether they may be enrolled / verified,
    # how long a challenge and an unfinished enrollment live.
    mfa_max_enrolled_factors: int = Field(
        default_factory=lambda: load_project_config().auth.mfa.max_enrolled_factors, ge=1
    )
    mfa_totp_enroll_enabled: bool = Field(
        default_factory=lambda: load_project_config().auth.mfa.totp.enroll_enabled
    )
    mfa_totp_verify_enabled: bool = Field(
        default_factory=lambda: load_project_config().auth.mfa.totp.verify_enabled
    )
    mfa_challenge_expiry: int = Field(default=300, ge=1)
    mfa_factor_expiry: int = Field(default=300, ge=1)
    # Life of a PKCE flow (GOTRUE_EXTERNAL_FLOW_STATE_EXPIRY_DURATION): link to code exchange.
    flow_state_expiry: int = Field(default=300, ge=1)

    # Email flows (docs/auth.md): where links land, how long they live, the SMTP server.
    site_url: str = Field(default_factory=lambda: load_project_config().auth.site_url)
    additional_redirect_urls: tuple[str, ...] = Field(
        default_factory=lambda: load_project_config().auth.additional_redirect_urls
    )
    # The API's public address + /auth/v1: the links' /verify (GoTrue's API_EXTERNAL_URL).
    api_external_url: str = "http://127.0.0.1:9999"
    otp_expiry: int = Field(
        default_factory=lambda: load_project_config().auth.email.otp_expiry, ge=60
    )
    secure_password_change: bool = Field(
        default_factory=lambda: load_project_config().auth.email.secure_password_change
    )
    smtp_host: str = Field(default_factory=lambda: _smtp().host)
    smtp_port: int = Field(default_factory=lambda: _smtp().port, ge=1, le=65535)
    smtp_user: str = Field(default_factory=lambda: _smtp().user)
    smtp_password: SecretStr = SecretStr("")
    smtp_admin_email: str = Field(default_factory=lambda: _smtp().admin_email)
    smtp_sender_name: str = Field(default_factory=lambda: _smtp().sender_name)
    # Off for the local catcher: plain SMTP, no login.
    smtp_secure: bool = Field(default_factory=lambda: _smtp().enabled)

    def sql_settings(self) -> dict[str, str]:
        """The transaction settings the SQL auth functions read (ADR 0026)."""
        return {
            "auth.password_min_length": str(self.minimum_password_length),
            "auth.password_required_characters": json.dumps(
                REQUIRED_CHARACTERS[self.password_requirements]
            ),
            "auth.refresh_token_reuse_interval": str(self.refresh_token_reuse_interval),
            "auth.sessions_timebox": str(self.sessions_timebox),
            "auth.sessions_inactivity_timeout": str(self.sessions_inactivity_timeout),
        }

    @classmethod
    def from_stack(cls, stack: StackSettings, **overrides: object) -> AuthSettings:
        values: dict[str, object] = {
            "database_url": stack.authenticator_url(),
            "jwt_secret": stack.jwt_secret.get_secret_value(),
            "jwt_keys": stack.jwt_keys.get_secret_value(),
            "jwt_issuer": stack_issuer() or "",
            "host": stack.api_host,
            "api_external_url": f"{stack.api_url}/auth/v1",
        }
        config = load_project_config()
        if not config.auth.email.smtp.enabled:
            values["smtp_port"] = stack.inbucket_smtp_port
        elif config.auth.email.smtp.pass_:  # env(SMTP_PASS)
            values["smtp_password"] = stack.smtp_pass.get_secret_value()
        values.update(overrides)
        return cls.model_validate(values)


def _signup_enabled() -> bool:
    """config.toml's `[auth] enable_signup` and `[auth.email] enable_signup`, both needed."""
    config = load_project_config()
    return config.auth.enable_signup and config.auth.email.enable_signup


@dataclass(frozen=True)
class SmtpDefaults:
    enabled: bool
    host: str
    port: int
    user: str
    admin_email: str
    sender_name: str


def _smtp() -> SmtpDefaults:
    """`[auth.email.smtp]` when enabled, else the local catcher of `[inbucket]`."""
    config = load_project_config()
    sender = (config.auth.email.smtp.admin_email, config.auth.email.smtp.sender_name)
    if not config.auth.email.smtp.enabled:
        return SmtpDefaults(False, "127.0.0.1", config.inbucket.smtp_port, "", *sender)
    host, port = config.auth.email.smtp.host, config.auth.email.smtp.port
    return SmtpDefaults(True, host, port, config.auth.email.smtp.user, *sender)
