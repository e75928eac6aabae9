"""RestSettings: PostgREST's own configuration names (`PGRST_*` env vars or a postgrest.conf)."""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["RestSettings", "load_rest_settings", "read_config_file"]

_LINE = re.compile(r'^\s*([a-z0-9.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|(\S+))\s*(?:#.*)?$')


class RestSettings(BaseSettings):
    """The subset of PostgREST's settings this server honours (same names, `PGRST_` prefix)."""

    model_config = SettingsConfigDict(env_prefix="PGRST_", extra="ignore")

    db_uri: SecretStr = SecretStr("postgresql://")
    db_schemas: str = "public"
    db_anon_role: str | None = None
    db_extra_search_path: str = "public"
    db_max_rows: int | None = Field(default=None, ge=1)
    db_pre_request: str | None = None
    db_pool: int = Field(default=10, ge=1, le=1000)
    db_pool_acquisition_timeout: float = Field(default=10.0, gt=0)
    # Not PostgREST's: read-only requests share this many of the pool's connections, several
    # transactions in one write (native_platform/shared_pipelines.py, ADR 0038); 0 gives each
    # its own connection. `db_shared_batch` bounds the transactions a request may wait behind.
    db_shared_connections: int = Field(default=2, ge=0, le=1000)
    db_shared_batch: int = Field(default=8, ge=1, le=64)
    db_channel: str = "pgrst"
    db_channel_enabled: bool = True
    db_aggregates_enabled: bool = False
    db_plan_enabled: bool = False
    # In-database configuration (db_config.py): role settings `pgrst.*` and a pre-config function.
    db_config: bool = True
    db_pre_config: str | None = None
    db_tx_end: Literal["commit", "commit-allow-override", "rollback", "rollback-allow-override"] = (
        "commit"
    )
    jwt_secret: SecretStr | None = None
    jwt_aud: str | None = None
    jwt_role_claim_key: str = ".role"
    # Not PostgREST's: the stack's stricter token rules (exp and an API role required), shared
    # by every surface of the stack (native_platform.caller); off when the server runs alone.
    jwt_strict: bool = False
    # Not PostgREST's: the request.* rate limits enforced by this node and charged to the SQL
    # buckets in batches (native_platform/ratelimit.py, ADR 0022); the pre-request hook then
    # skips its own charge. Off when the server runs alone (the hook charges every request).
    rate_limit_node: bool = False
    rate_limit_interval_ms: float = Field(default=5.0, gt=0, le=1000)
    rate_limit_max_unsynced: int = Field(default=32, ge=1)
    server_host: str = "127.0.0.1"
    # Not PostgREST's (one process with green threads): uvicorn worker processes of the
    # standalone server. Two measured best on 2 cores (docs/performance.md).
    server_workers: int = Field(default=2, ge=1, le=64)
    server_port: int = Field(default=3000, ge=0, le=65535)
    server_cors_allowed_origins: str = "*"
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)

    @property
    def tx_overridable(self) -> bool:
        """Whether `Prefer: tx=commit|rollback` may change how a transaction ends."""
        return self.db_tx_end.endswith("-allow-override")

    @property
    def tx_rollback(self) -> bool:
        """How a transaction ends when no (honoured) `Prefer: tx` says otherwise."""
        return self.db_tx_end.startswith("rollback")

    # Read several times per request: each list is split once per distinct value (`_split`).
    @property
    def schemas(self) -> tuple[str, ...]:
        return _split(self.db_schemas, ",")

    @property
    def extra_search_path(self) -> tuple[str, ...]:
        return _split(self.db_extra_search_path, ",")

    @property
    def role_claim_path(self) -> tuple[str, ...]:
        return _split(self.jwt_role_claim_key, ".", strip=False)


@functools.lru_cache(maxsize=64)
def _split(text: str, separator: str, strip: bool = True) -> tuple[str, ...]:
    """The non-empty parts of `text`, stripped unless told not to."""
    parts = (part.strip() if strip else part for part in text.split(separator))
    return tuple(part for part in parts if part)


def read_config_file(path: Path) -> dict[str, str]:
    """`key = "value"` lines of a postgrest.conf, keys turned into field names."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _LINE.match(line)
        if match:
            raw = match.group(2) if match.group(2) is not None else match.group(3)
            values[match.group(1).replace("-", "_")] = raw.replace('\\"', '"')
    return values


def load_rest_settings(config_file: Path | None = None) -> RestSettings:
    """Settings from a config file, each overridden by its `PGRST_*` environment variable."""
    values = read_config_file(config_file) if config_file else {}
    kept = {k: v for k, v in values.items() if f"PGRST_{k.upper()}" not in os.environ}
    return RestSettings(**kept)  # type: ignore[arg-type]
