-- Purpose: auth.uid() parses the caller's claims once instead of twice (issue 19). Every RLS
-- policy asks for it, realtime once per subscriber and changed row: the CASE that maps an empty
-- `sub` to null named auth.jwt() twice, and each inlined copy parsed the claims JSON into jsonb
-- again (~8% of a realtime check's backend time in perf). array_remove drops an empty `sub`
-- with the text type's own equality, found through the type cache and never through the
-- search_path, so the body stays inlinable and a caller's search_path cannot change its answer
-- (ADR 0034). Per call ~3.3 -> ~2.0 us (psql, 300,000 calls, the claims of a realtime token).
-- Same results: a uuid `sub` gives it, an empty or missing `sub`, or no claims, give null, any
-- other `sub` raises the same cast error as before.
-- Affected: function auth.uid() (same signature, comment and grants; body replaced).

create or replace function auth.uid()
returns uuid
language sql
stable
as $$
    select (
        pg_catalog.array_remove(array[auth.jwt() operator(pg_catalog.->>) 'sub'], '')
    )[1]::pg_catalog.uuid
$$;
