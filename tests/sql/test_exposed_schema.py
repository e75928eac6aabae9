"""Structural guarantees of the exposed schema and of every SECURITY DEFINER function."""

from __future__ import annotations

from typing import Any

import psycopg

SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "extensions", "pg_toast")
# SQL functions Postgres must be able to inline, hence without a SET clause (ADR 0034).
INLINABLE_CLAIM_HELPERS = ("auth.jwt()", "auth.uid()", "auth.role()", "auth.email()")


def test_every_exposed_table_has_rls_and_a_policy(db: psycopg.Connection[Any]) -> None:
    """No table in public has RLS off or lacks a policy."""
    offenders = db.execute(
        """
        select c.relname, c.relrowsecurity,
            (select count(*) from pg_catalog.pg_policy as p where p.polrelid = c.oid)
        from pg_catalog.pg_class as c
        where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
            and (not c.relrowsecurity
                 or not exists (select from pg_catalog.pg_policy as p where p.polrelid = c.oid))
        """
    ).fetchall()
    assert offenders == []


def test_every_definer_function_fixes_its_search_path(db: psycopg.Connection[Any]) -> None:
    """No SECURITY DEFINER function runs with the caller's search_path."""
    offenders = db.execute(
        """
        select p.oid::regprocedure::text
        from pg_catalog.pg_proc as p
        where p.prosecdef
            and p.pronamespace::regnamespace::text <> all (%s)
            and not exists (
                select from unnest(coalesce(p.proconfig, '{}')) as setting
                where setting like 'search\\_path=%%'
            )
        """,
        (list(SYSTEM_SCHEMAS),),
    ).fetchall()
    assert offenders == []


def test_no_function_has_a_mutable_search_path(db: psycopg.Connection[Any]) -> None:
    """Splinter's function_search_path_mutable: every function of ours pins its search_path.

    Extension functions are the extensions' business (splinter skips them too). The claim
    helpers are the exception, so that Postgres inlines them into every policy (ADR 0034):
    their bodies name everything by schema (sql/tests/auth_privileges.test.sql tries a hostile
    search_path).
    """
    offenders = db.execute(
        """
        select p.oid::regprocedure::text
        from pg_catalog.pg_proc as p
        join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
        where n.nspname <> all (%s)
            and n.nspname not like 'pg\\_%%'
            and not exists (
                select from pg_catalog.pg_depend as d
                where d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = p.oid
                    and d.deptype = 'e'
            )
            and not exists (
                select from unnest(coalesce(p.proconfig, '{}')) as setting
                where setting like 'search\\_path=%%'
            )
            and p.oid::regprocedure::text <> all (%s)
        order by 1
        """,
        (list(SYSTEM_SCHEMAS), list(INLINABLE_CLAIM_HELPERS)),
    ).fetchall()
    assert offenders == []


def test_no_definer_function_is_exposed(db: psycopg.Connection[Any]) -> None:
    """SECURITY DEFINER functions live in private schemas, never in public."""
    offenders = db.execute(
        "select p.oid::regprocedure::text from pg_catalog.pg_proc as p"
        " where p.prosecdef and p.pronamespace = 'public'::regnamespace"
    ).fetchall()
    assert offenders == []


def test_no_exposed_view_bypasses_rls(db: psycopg.Connection[Any]) -> None:
    """Every view in public runs as the caller (security_invoker), so RLS applies."""
    offenders = db.execute(
        """
        select c.relname
        from pg_catalog.pg_class as c
        where c.relnamespace = 'public'::regnamespace and c.relkind in ('v', 'm')
            and not coalesce(
                'security_invoker=true' = any(c.reloptions)
                or 'security_invoker=on' = any(c.reloptions), false)
        """
    ).fetchall()
    assert offenders == []
