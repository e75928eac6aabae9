"""A joined channel: one topic on one socket, with its config, claims and bindings."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson

from native_platform.realtime.bindings import Subscription
from native_platform.realtime.protocol import Frame
from native_platform.realtime.types import Outbox, Revocation, RevocationHandler

__all__ = ["Channel", "ChannelConfig", "read_config"]

PREFIX = "realtime:"


def _flag(value: object, default: bool) -> bool:
    """Booleans may arrive as strings."""
    if isinstance(value, str):
        return value.lower() == "true"
    return default if value is None else bool(value)


@dataclass(frozen=True)
class ChannelConfig:
    broadcast_self: bool
    broadcast_ack: bool
    presence_key: str
    presence_enabled: bool
    private: bool
    postgres_changes: list[Any]


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def read_config(payload: dict[str, Any]) -> ChannelConfig:
    config = _object(payload.get("config"))
    broadcast = _object(config.get("broadcast"))
    presence = _object(config.get("presence"))
    changes = config.get("postgres_changes")
    key = presence.get("key")
    return ChannelConfig(
        broadcast_self=_flag(broadcast.get("self"), False),
        broadcast_ack=_flag(broadcast.get("ack"), False),
        presence_key=key if isinstance(key, str) and key else str(uuid.uuid4()),
        presence_enabled=_flag(presence.get("enabled"), False),
        private=_flag(config.get("private"), False),
        postgres_changes=changes if isinstance(changes, list) else [],
    )


@dataclass(eq=False)
class Channel:
    """Identity-compared: the same topic joined twice gives two distinct channels."""

    connection: Outbox
    topic: str
    join_ref: str | None
    config: ChannelConfig
    claims: dict[str, Any]
    token: str
    # Its postgres_changes bindings, None when it has none.
    subscription: Subscription | None = None
    can_broadcast: bool = True
    can_track: bool = True
    presence_enabled: bool = False
    tracked: dict[str, Any] | None = None
    phx_ref: str | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    expiry: asyncio.TimerHandle | None = None
    # Diffs arriving while the join's presence_state is read are held, then sent after it.
    held_diffs: list[dict[str, Any]] | None = None
    # When its token and rights were last checked (monotonic): revocations heard after it apply.
    checked_at: float = 0.0
    # Set by the join: closes or re-checks the channel when the database revokes something.
    on_revoked: RevocationHandler | None = None
    _rls_identity: tuple[str, str] | None = None
    _claims_source: dict[str, Any] | None = None

    @property
    def name(self) -> str:
        """The topic without `realtime:` (what policies, broadcasts and system messages use)."""
        return self.topic[len(PREFIX) :]

    @property
    def key(self) -> tuple[str, bool]:
        """Public and private channels of one name are distinct."""
        return (self.name, self.config.private)

    @property
    def role(self) -> str:
        return str(self.claims["role"])

    @property
    def session_id(self) -> str | None:
        """The auth session the channel's token belongs to (API keys have none)."""
        value = self.claims.get("session_id")
        return None if value is None else str(value)

    @property
    def user_id(self) -> str | None:
        value = self.claims.get("sub")
        return None if value is None else str(value)

    @property
    def rls_identity(self) -> tuple[str, str]:
        """(role, claims as JSON), as RLS checks install them: computed once per token, and
        one tuple per token, so a batch groups its subscribers by it cheaply."""
        if self._rls_identity is None or self._claims_source is not self.claims:
            self._rls_identity = (self.role, orjson.dumps(self.claims).decode())
            self._claims_source = self.claims
        return self._rls_identity

    def revoke(self, revocation: Revocation) -> None:
        """The database revoked the channel's session or its user's rights."""
        if self.on_revoked is not None:
            self.on_revoked(revocation)

    def push(
        self, event: str, payload: dict[str, Any], cache: dict[str, bytes] | None = None
    ) -> None:
        """Send a server push; pushes sharing `cache` must be identical frames."""
        self.connection.send(Frame(self.topic, event, payload), cache)

    def system(self, extension: str, status: str, message: str) -> None:
        payload = {
            "channel": self.name,
            "extension": extension,
            "status": status,
            "message": message,
        }
        self.push("system", payload)
