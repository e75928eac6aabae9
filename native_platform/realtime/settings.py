"""Settings of the realtime server, read from `REALTIME_*` variables or built from the stack's."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from native_platform.project_config import load_project_config
from native_platform.settings import StackSettings

__all__ = ["RealtimeSettings"]


class RealtimeSettings(BaseSettings):
    """Connections, token secret and per-connection limits of one realtime node."""

    model_config = SettingsConfigDict(env_prefix="REALTIME_", extra="ignore")

    database_url: SecretStr = Field(description="Login role for RLS checks (authenticator)")
    replication_database_url: SecretStr = Field(
        description="Replication-capable role: WAL reader, backplane and presence bookkeeping"
    )
    jwt_secret: SecretStr = Field(min_length=32)
    host: str = "127.0.0.1"
    port: int = Field(default=4000, ge=0, le=65535)
    publication: str = "supabase_realtime"
    max_channels_per_client: int = Field(default=100, ge=1)
    max_events_per_second: int = Field(default=100, ge=1)
    max_payload_bytes: int = Field(default=256 * 1024, ge=1024)
    max_presence_calls: int = Field(default=5, ge=1)
    presence_window_seconds: float = Field(default=30.0, gt=0)
    rls_connections: int = Field(
        default=1, ge=1, description="RLS-check sessions, each a pipeline of check statements"
    )
    # Changes handed to the fan-out at once (whole transactions) while the WAL reader catches up.
    max_changes_per_batch: int = Field(default=1000, ge=1)
    socket_idle_timeout_seconds: float = Field(default=60.0, gt=0)
    # A socket whose unsent bytes would pass this (the peer stopped reading) is closed; a
    # single larger frame is still sent to a socket with nothing pending.
    max_outbound_bytes: int = Field(default=4 * 1024 * 1024, ge=64 * 1024)
    # Frames queued for servers without the direct writer (ASGI path), under the same rule.
    outbound_queue_size: int = Field(default=1000, ge=10)
    node_sweep_seconds: float = Field(default=2.0, gt=0)

    @classmethod
    def from_stack(cls, stack: StackSettings, dbname: str = "postgres") -> RealtimeSettings:
        """Settings for the stack's database: RLS checks as authenticator, the rest as superuser."""
        admin = stack.database_url.get_secret_value().rsplit("/", 1)[0] + f"/{dbname}"
        config = load_project_config()
        return cls(
            database_url=SecretStr(stack.authenticator_url(dbname)),
            replication_database_url=SecretStr(admin),
            jwt_secret=stack.jwt_secret,
            max_channels_per_client=config.realtime.max_channels_per_client,
            max_events_per_second=config.realtime.max_events_per_second,
            max_payload_bytes=config.realtime.max_payload_bytes,
            max_presence_calls=config.realtime.max_presence_calls,
        )
