"""Per-role statement timeouts and app_private.apply_role_settings (issue 11, finding 2)."""

from __future__ import annotations

from typing import Any

import psycopg

from tests.helpers.actors import acting_as


def test_api_roles_carry_supabases_statement_timeouts(db: psycopg.Connection[Any]) -> None:
    rows = db.execute(
        "select rolname, rolconfig from pg_catalog.pg_roles"
        " where rolname in ('anon', 'authenticated', 'authenticator', 'service_role')"
    ).fetchall()
    assert dict(rows) == {
        "anon": ["statement_timeout=3s"],
        "authenticated": ["statement_timeout=8s"],
        # and the slow-query log of API traffic (docs/observability.md)
        "authenticator": ["statement_timeout=8s", "log_min_duration_statement=500ms"],
        "service_role": None,  # keeps the login session's 8 s, as on Supabase
    }


def test_authenticator_reaches_nothing_else_in_app_private(db: psycopg.Connection[Any]) -> None:
    """USAGE on app_private lets the login role call apply_role_settings, and nothing more."""
    functions = db.execute(
        "select p.oid::regprocedure::text from pg_catalog.pg_proc as p"
        " join pg_catalog.pg_namespace as n on n.oid = p.pronamespace"
        " where n.nspname = 'app_private'"
        " and pg_catalog.has_function_privilege('authenticator', p.oid, 'execute')"
    ).fetchall()
    assert functions == [("app_private.apply_role_settings(text,boolean)",)]
    relations = db.execute(
        "select c.relname from pg_catalog.pg_class as c"
        " join pg_catalog.pg_namespace as n on n.oid = c.relnamespace"
        " where n.nspname = 'app_private' and c.relkind in ('r', 'v', 'm', 'p', 'S')"
        " and (pg_catalog.has_table_privilege('authenticator', c.oid, 'select')"
        " or pg_catalog.has_table_privilege('authenticator', c.oid,"
        " 'insert, update, delete, truncate'))"
    ).fetchall()
    assert relations == []


def test_apply_role_settings_prefers_the_database_and_skips_privileged_ones(
    db: psycopg.Connection[Any],
) -> None:
    """A database-specific value wins; a setting only a superuser may change is left alone."""
    dbname = db.execute("select current_database()").fetchone()
    assert dbname is not None
    db.execute(f'alter role anon in database "{dbname[0]}" set statement_timeout = 1234')
    db.execute(f"alter role anon in database \"{dbname[0]}\" set log_statement = 'all'")
    with acting_as(db, "anon", rollback=True) as conn:
        applied = conn.execute("select app_private.apply_role_settings('anon')").fetchone()
        seen = conn.execute(
            "select current_setting('statement_timeout'), current_setting('log_statement')"
        ).fetchone()
        assert applied == (1,)
        assert seen is not None and seen[0] == "1234ms" and seen[1] != "all"
    row = db.execute("show statement_timeout").fetchone()
    assert row is not None and row[0] != "1234ms"  # transaction-local by default
