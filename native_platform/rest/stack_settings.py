"""The REST server's settings inside the native stack (what Supabase's compose file sets)."""

from __future__ import annotations

from pydantic import SecretStr

from native_platform.rest.settings import RestSettings
from native_platform.settings import StackSettings

__all__ = ["settings_for_stack"]


def settings_for_stack(stack: StackSettings, dbname: str = "postgres") -> RestSettings:
    """PostgREST as Supabase configures it: authenticator login, anon role, 1000-row cap."""
    return RestSettings(
        db_uri=SecretStr(stack.authenticator_url(dbname)),
        db_schemas="public",
        db_anon_role="anon",
        db_extra_search_path="public",
        db_max_rows=1000,
        db_pre_request="app_private.check_request",
        jwt_secret=stack.jwt_secret,
    )
