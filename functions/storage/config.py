"""The storage service's settings: the functions' one pattern (`functions.common.config`) with
`RFL_STORAGE_*` variables over the stack's own, read once through a cached dependency (tests
build their own)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from functions.common.config import FunctionSettings, settings_dependency
from native_platform.settings import StackSettings

__all__ = ["S3Settings", "StorageSettings", "get_settings"]

MIB = 1024 * 1024


class S3Settings(BaseSettings):
    """An S3-compatible backend (AWS S3, Backblaze B2, Cloudflare R2, MinIO); `RFL_STORAGE_S3_*`
    variables."""

    model_config = SettingsConfigDict(env_prefix="RFL_STORAGE_S3_", extra="ignore", frozen=True)

    bucket: str = Field(default="rfl-storage", min_length=3, max_length=63)
    endpoint_url: str | None = None
    region: str = "us-east-1"
    access_key_id: SecretStr | None = None
    secret_access_key: SecretStr | None = None
    force_path_style: bool = True
    # Parts of a multipart upload; S3 wants at least 5 MiB for every part but the last.
    part_size: int = Field(default=8 * MIB, ge=5 * MIB)
    # Parts of one upload sent at the same time while the next part arrives (memory: this
    # many parts in flight plus the one being filled, per upload).
    upload_concurrency: int = Field(default=2, ge=1, le=16)
    # botocore's flexible checksums (CRC32 on every PUT and part since botocore 1.36):
    # "when_required" sends them only where an operation needs them, as SDKs did before,
    # since several S3-compatible services (older MinIO, B2, R2) refuse or mishandle the new
    # headers; "when_supported" for AWS S3 when end-to-end checksums are wanted over TLS.
    checksums: Literal["when_required", "when_supported"] = "when_required"


class StorageSettings(FunctionSettings):
    """Everything the service needs; `.env.example`-style names under `RFL_STORAGE_*` (the S3
    backend's under `RFL_STORAGE_S3_*`)."""

    model_config = SettingsConfigDict(env_prefix="RFL_STORAGE_")

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

    @classmethod
    def stack_defaults(cls, stack: StackSettings) -> dict[str, Any]:
        """Files under `<state_dir>/storage` unless told otherwise."""
        return super().stack_defaults(stack) | {"file_root": stack.state_dir / "storage"}

    @model_validator(mode="after")
    def _s3_from_environment(self) -> StorageSettings:
        if self.backend == "s3" and self.s3 is None:
            object.__setattr__(self, "s3", S3Settings())
        return self


get_settings = settings_dependency(StorageSettings)
