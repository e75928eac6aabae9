"""The storage service's settings: the stack's own plus `RFL_STORAGE_*` overrides, read once
through a cached dependency (tests build their own)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from native_platform.settings import load_settings

__all__ = ["S3Settings", "StorageOverrides", "StorageSettings", "get_settings"]

MIB = 1024 * 1024


class S3Settings(BaseModel):
    """An S3-compatible backend (AWS S3, Backblaze B2, Cloudflare R2, MinIO)."""

    model_config = {"frozen": True}

    bucket: str = Field(min_length=3, max_length=63)
    endpoint_url: str | None = None
    region: str = "us-east-1"
    access_key_id: SecretStr | None = None
    secret_access_key: SecretStr | None = None
    force_path_style: bool = True
    # Parts of a multipart upload; S3 wants at least 5 MiB for every part but the last.
    part_size: int = Field(default=8 * MIB, ge=5 * MIB)


class StorageSettings(BaseModel):
    """Everything the service needs; `.env.example`-style names under `RFL_STORAGE_*`."""

    model_config = {"frozen": True}

    database_url: SecretStr = Field(
        description="Login DSN (authenticator): each transaction switches to the caller's role"
    )
    jwt_secret: SecretStr = Field(min_length=32)
    backend: Literal["file", "s3"] = "file"
    file_root: Path
    s3: S3Settings | None = None
    # Global object size limit (Supabase's FILE_SIZE_LIMIT); a bucket may only lower it.
    file_size_limit: int = Field(default=50 * MIB, ge=1)
    upload_url_expiry_seconds: int = Field(default=7200, ge=10, le=7 * 24 * 3600)
    statement_timeout_ms: int = Field(default=5000, ge=100)
    pool_max_size: int = Field(default=8, ge=1)
    # Where a leftover file (no row names it) must be older than to be removed.
    orphan_grace_seconds: int = Field(default=3600, ge=0)
    # How long a resumable upload's URL stays usable (upstream's TUS_URL_EXPIRY_MS: 1 h).
    resumable_expiry_seconds: int = Field(default=3600, ge=10, le=7 * 24 * 3600)
    # Image transformations: rendered variants are cached in this folder (default: beside
    # the file root, `<file_root>-render-cache`); sources larger than this are not rendered.
    render_cache_root: Path | None = None
    render_max_source_bytes: int = Field(default=25 * MIB, ge=1)
    render_max_source_pixels: int = Field(default=50_000_000, ge=1)

    @property
    def render_cache(self) -> Path:
        if self.render_cache_root is not None:
            return self.render_cache_root
        return self.file_root.with_name(self.file_root.name + "-render-cache")


class StorageOverrides(BaseSettings):
    """`RFL_STORAGE_*` variables: the backend and its location, the global size limit."""

    model_config = SettingsConfigDict(env_prefix="RFL_STORAGE_", extra="ignore")

    database_url: SecretStr | None = None
    backend: Literal["file", "s3"] = "file"
    file_root: Path | None = None
    file_size_limit: int = 50 * MIB
    s3_bucket: str = "rfl-storage"
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: SecretStr | None = None
    s3_secret_access_key: SecretStr | None = None


@lru_cache
def get_settings() -> StorageSettings:
    """The stack in force (`RFL_ENV_FILE`): files under `<state_dir>/storage` unless overridden."""
    stack = load_settings()
    env = StorageOverrides()
    s3 = None
    if env.backend == "s3":
        s3 = S3Settings(
            bucket=env.s3_bucket,
            endpoint_url=env.s3_endpoint_url,
            region=env.s3_region,
            access_key_id=env.s3_access_key_id,
            secret_access_key=env.s3_secret_access_key,
        )
    return StorageSettings(
        database_url=env.database_url or SecretStr(stack.authenticator_url()),
        jwt_secret=stack.jwt_secret,
        backend=env.backend,
        file_root=env.file_root or stack.state_dir / "storage",
        s3=s3,
        file_size_limit=env.file_size_limit,
    )
