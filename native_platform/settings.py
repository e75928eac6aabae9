"""The stack's settings, read from the environment and the generated `.env` file."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from native_platform.project_config import load_project_config

__all__ = [
    "SecretFilesSource",
    "SettingsError",
    "StackSettings",
    "env_file_path",
    "load_settings",
    "project_root",
]


def project_root() -> Path:
    return Path(__file__).resolve().parent.parent


def env_file_path() -> Path:
    """The env file in force: `RFL_ENV_FILE`, else `.env` at the project root."""
    configured = os.environ.get("RFL_ENV_FILE")
    return Path(configured).resolve() if configured else project_root() / ".env"


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line per bad variable."""


class SecretFilesSource(PydanticBaseSettingsSource):
    """`<NAME>_FILE=/path` in the environment: the setting's value is that file's content (one
    trailing newline dropped), as with Docker and compose secrets. Setting both NAME and
    NAME_FILE is an error; an unreadable file is named."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        del field  # __call__ reads every field at once
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        values = {}
        for name in self.settings_cls.model_fields:
            variable = f"{name.upper()}_FILE"
            path = os.environ.get(variable)
            if not path:
                continue
            if os.environ.get(name.upper()) is not None:
                raise SettingsError(f"setting {name.upper()} is set twice: also by {variable}")
            try:
                value = Path(path).read_text(encoding="utf-8")
            except OSError as error:
                message = f"setting {variable} is invalid: {error.strerror}: {path}"
                raise SettingsError(message) from None
            values[name] = value.removesuffix("\n")
        return values


class StackSettings(BaseSettings):
    """Secrets and per-machine settings; `.env.example` documents each one.

    Ports and the token lifetime default to `supabase/config.toml` (the single source of
    settings that are not secrets); a value in the environment or `.env` overrides it. Any
    setting may come from a file named by `<NAME>_FILE` (SecretFilesSource), which wins over
    `.env`.
    """

    model_config = SettingsConfigDict(extra="ignore", env_file_encoding="utf-8")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        secret_files = SecretFilesSource(settings_cls)
        return init_settings, env_settings, secret_files, dotenv_settings, file_secret_settings

    state_dir: Path = Field(description="Folder for the cluster, logs and process ids")
    api_host: str = "127.0.0.1"
    api_port: int = Field(default_factory=lambda: load_project_config().api.port, ge=1, le=65535)
    postgres_port: int = Field(
        default_factory=lambda: load_project_config().db.port, ge=1, le=65535
    )
    # Where the API servers reach Postgres and Typesense: another host in a container
    # deployment (docker-compose.yml), this machine for the native stack.
    postgres_host: str = Field(default="127.0.0.1", min_length=1)
    typesense_host: str = Field(default="127.0.0.1", min_length=1)
    # Addresses (IPs or CIDRs, comma-separated) of reverse proxies whose X-Forwarded-For the
    # gateway believes (uvicorn's --forwarded-allow-ips). Empty: the gateway is the edge and
    # the peer's address is the client's, whatever a request claims.
    forwarded_allow_ips: str = ""
    # Origins (comma-separated) browsers may call the API from. Empty: any origin, as the
    # Supabase CLI's local stack answers; staging and production list theirs (rfl config check).
    cors_allowed_origins: str = ""
    # The services this gateway process mounts, comma-separated: rest, auth, realtime,
    # functions (every [functions.X]) and each [services.X] by name (storage, studio). Empty:
    # all of them, as `rfl up` runs one gateway; the container deployment splits them across
    # nodes (docs/deployment.md). A service not mounted starts nothing (no WAL reader).
    gateway_services: str = ""
    # Local-only metrics ports (docs/observability.md); a test stack uses its own range.
    metrics_port: int = Field(
        default_factory=lambda: load_project_config().metrics.port, ge=1, le=65535
    )
    prometheus_port: int = Field(
        default_factory=lambda: load_project_config().metrics.prometheus_port, ge=1, le=65535
    )
    postgres_exporter_port: int = Field(
        default_factory=lambda: load_project_config().metrics.postgres_exporter_port,
        ge=1,
        le=65535,
    )
    # The local SMTP catcher (`[inbucket]`); SMTP_PASS: the password of `[auth.email.smtp]`.
    inbucket_port: int = Field(
        default_factory=lambda: load_project_config().inbucket.port, ge=1, le=65535
    )
    inbucket_smtp_port: int = Field(
        default_factory=lambda: load_project_config().inbucket.smtp_port, ge=1, le=65535
    )
    smtp_pass: SecretStr = SecretStr("")
    typesense_port: int = Field(default=8108, ge=1, le=65535)
    typesense_peering_port: int = Field(default=8107, ge=1, le=65535)
    postgres_durable: bool = Field(default=True, description="false only for test clusters")
    postgres_password: SecretStr = Field(min_length=16)
    authenticator_password: SecretStr = Field(min_length=16)
    jwt_secret: SecretStr = Field(min_length=32)
    # Asymmetric signing keys of the access tokens (native_platform/signing_keys.py, ADR 0028):
    # a JSON array of private JWKs; empty signs with jwt_secret (HS256) alone.
    jwt_keys: SecretStr = SecretStr("")
    jwt_expiry: int = Field(
        default_factory=lambda: load_project_config().auth.jwt_expiry, ge=60, le=604800
    )
    typesense_api_key: SecretStr = Field(min_length=16)
    cms_webhook_secret: SecretStr = Field(min_length=16)
    anon_key: SecretStr = Field(min_length=20)
    service_role_key: SecretStr = Field(min_length=20)
    database_url: SecretStr

    @field_validator("database_url")
    @classmethod
    def check_postgres_url(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith(("postgres://", "postgresql://")):
            raise ValueError("expected a postgresql:// connection string")
        return value

    @property
    def api_url(self) -> str:
        return f"http://{self.api_host}:{self.api_port}"

    @property
    def cors_origins(self) -> list[str] | None:
        """CORS_ALLOWED_ORIGINS as a list; None (any origin) when it is empty."""
        origins = [item.strip() for item in self.cors_allowed_origins.split(",") if item.strip()]
        return origins or None

    @property
    def typesense_url(self) -> str:
        return f"http://{self.typesense_host}:{self.typesense_port}"

    def authenticator_url(self, dbname: str = "postgres") -> str:
        password = quote(self.authenticator_password.get_secret_value(), safe="")
        host = self.postgres_host
        return f"postgresql://authenticator:{password}@{host}:{self.postgres_port}/{dbname}"


def describe_problem(item: ErrorDetails) -> str:
    if item["type"] == "missing":
        return "is missing"
    if item["type"] == "too_short":
        return f"is invalid: expected at least {item.get('ctx', {})['min_length']} characters"
    return f"is invalid: {item['msg']}"


def describe_errors(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        name = ".".join(str(part) for part in item["loc"]).upper()
        lines.append(f"setting {name} {describe_problem(item)}")
    return "\n".join(lines)


@lru_cache
def load_settings(env_file: Path | None = None) -> StackSettings:
    """Load and validate the settings; raise SettingsError naming each bad variable."""
    path = env_file or env_file_path()
    try:
        return StackSettings(_env_file=path)  # type: ignore[call-arg]
    except ValidationError as error:
        raise SettingsError(describe_errors(error)) from None
