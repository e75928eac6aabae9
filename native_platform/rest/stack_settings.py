"""The REST server's settings inside the native stack (what Supabase's compose file sets)."""

from __future__ import annotations

from pydantic import SecretStr

from native_platform.project_config import load_project_config
from native_platform.rest.settings import RestSettings
from native_platform.settings import StackSettings

__all__ = ["settings_for_stack"]


def settings_for_stack(stack: StackSettings, dbname: str = "postgres") -> RestSettings:
    """PostgREST as Supabase configures it: authenticator login, anon role, and the schemas,
    search path and row cap of config.toml's `[api]`."""
    config = load_project_config()
    return RestSettings(
        db_uri=SecretStr(stack.authenticator_url(dbname)),
        db_schemas=",".join(config.api.schemas),
        db_anon_role="anon",
        db_extra_search_path=",".join(config.api.extra_search_path),
        db_max_rows=config.api.max_rows,
        db_aggregates_enabled=config.api.db_aggregates_enabled,
        db_tx_end=config.api.db_tx_end,
        db_plan_enabled=config.api.db_plan_enabled,
        db_pre_request="app_private.check_request",
        rate_limit_node=True,
        jwt_secret=stack.jwt_secret,
        jwt_aud="authenticated",
        jwt_strict=True,
    )
