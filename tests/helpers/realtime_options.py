"""Channel options for realtime-py's `AsyncRealtimeClient.channel`, as the tests send them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from realtime import RealtimeChannelOptions

__all__ = ["channel_options"]


def channel_options(config: Mapping[str, object]) -> RealtimeChannelOptions:
    """`{"config": config}`, passed through unchanged.

    realtime-py types the config as a total TypedDict (`broadcast`, `presence` and `private` all
    present, presence with both `key` and `enabled`); the protocol and supabase-js accept any
    subset, and the tests send subsets on purpose, so only the static type is changed here.
    """
    return cast(RealtimeChannelOptions, {"config": config})
