-- Purpose: let PostgreSQL inline the claim helpers auth.jwt(), auth.uid(), auth.role() and
-- auth.email() into the statements that call them (issue 19, ADR 0034). Every RLS policy calls
-- them; a SQL function with a SET clause is never inlined, so each call went through the
-- function manager, saved and restored the search_path and planned the function's body again:
-- ~15 us per call, most of realtime's per-subscriber RLS check. Supabase's own helpers have
-- no SET clause for this reason.
-- Without a pinned search_path, the bodies name everything by schema, operators included
-- (OPERATOR(pg_catalog.->>), no NULLIF, whose `=` would be looked up in the search_path): a
-- caller's search_path cannot change what they return. They stay SECURITY INVOKER and only
-- read the transaction-local settings the API servers set from a verified token.
-- Affected: functions auth.jwt(), auth.uid(), auth.role(), auth.email() (same signatures,
-- results, comments and grants; no SET clause).

create or replace function auth.jwt()
returns jsonb
language sql
stable
as $$
    select case
        when pg_catalog.current_setting('request.jwt.claims', true) operator(pg_catalog.=) ''
            then null
        else pg_catalog.current_setting('request.jwt.claims', true)::pg_catalog.jsonb
    end
$$;

create or replace function auth.uid()
returns uuid
language sql
stable
as $$
    select case
        when auth.jwt() operator(pg_catalog.->>) 'sub' operator(pg_catalog.=) '' then null
        else (auth.jwt() operator(pg_catalog.->>) 'sub')::pg_catalog.uuid
    end
$$;

create or replace function auth.role()
returns text
language sql
stable
as $$
    select auth.jwt() operator(pg_catalog.->>) 'role'
$$;

create or replace function auth.email()
returns text
language sql
stable
as $$
    select auth.jwt() operator(pg_catalog.->>) 'email'
$$;
