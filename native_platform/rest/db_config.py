"""In-database configuration: `pgrst.*` role settings of the authenticator and `db-pre-config`.

Read at start and on `NOTIFY pgrst, 'reload config'`. As in PostgREST, values from the database
override the config file and the environment; among them a setting for the current database
beats one for all databases, which beats what the pre-config function set.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from psycopg import sql
from pydantic import ValidationError

from native_platform.rest.settings import RestSettings

__all__ = ["RELOADABLE", "apply_database_config", "read_database_config"]

log = logging.getLogger(__name__)

# The settings the database may set (PostgREST's names with underscores: pgrst.db_schemas).
RELOADABLE = (
    "db_aggregates_enabled",
    "db_anon_role",
    "db_extra_search_path",
    "db_max_rows",
    "db_plan_enabled",
    "db_pre_request",
    "db_schemas",
    "db_tx_end",
    "jwt_aud",
    "jwt_role_claim_key",
    "jwt_secret",
)

_ROLE_SETTINGS = """
select distinct on (key) pg_catalog.substr(k, 7) as key, v as value
from (
    select s.setdatabase as database,
        pg_catalog.split_part(c.setting, '=', 1) as k,
        pg_catalog.substr(c.setting, pg_catalog.strpos(c.setting, '=') + 1) as v
    from pg_catalog.pg_db_role_setting as s
    cross join lateral pg_catalog.unnest(s.setconfig) as c (setting)
    where s.setrole = (select oid from pg_catalog.pg_roles where rolname = current_user)
        and s.setdatabase in (
            0, (select oid from pg_catalog.pg_database where datname = current_database())
        )
) as kv
where k like 'pgrst.%'
order by key, database desc
"""


async def read_database_config(
    conn: psycopg.AsyncConnection[Any], pre_config: str | None
) -> dict[str, str]:
    """The `pgrst.*` values: the pre-config function's, overridden by the role's settings."""
    values: dict[str, str] = {}
    if pre_config:
        parts = [sql.Identifier(part) for part in pre_config.split(".", 1)]
        async with conn.transaction():
            await conn.execute(sql.SQL("select {}()").format(sql.SQL(".").join(parts)))
            for key in RELOADABLE:
                cur = await conn.execute(
                    "select nullif(pg_catalog.current_setting(%s, true), '')", (f"pgrst.{key}",)
                )
                row = await cur.fetchone()
                if row is not None and row[0] is not None:
                    values[key] = row[0]
    cur = await conn.execute(_ROLE_SETTINGS)
    for key, value in await cur.fetchall():
        values[key] = value
    return {k: v for k, v in values.items() if k in RELOADABLE}


def apply_database_config(base: RestSettings, values: dict[str, str]) -> RestSettings:
    """The settings with the database's values on top (they win over file and environment)."""
    if not values:
        return base
    current = {name: getattr(base, name) for name in type(base).model_fields}
    try:
        return RestSettings(**{**current, **values})
    except ValidationError as error:
        log.warning("in-database configuration ignored: %s", error)
        return base
