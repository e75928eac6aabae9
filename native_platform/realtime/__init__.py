"""Supabase-Realtime-compatible server: Phoenix channels over `/websocket` with RLS-checked
postgres_changes, broadcast and presence; nodes share a Postgres LISTEN/NOTIFY backplane."""

from native_platform.realtime.app import create_app
from native_platform.realtime.settings import RealtimeSettings

__all__ = ["RealtimeSettings", "create_app"]
