-- Purpose: auth.uid() reads the caller's `sub` from the claims parsed as json, not jsonb (issue
-- 19). Every RLS policy asks for it, realtime once per subscriber and changed row, and the
-- claims GoTrue signs are ~400 bytes (app_metadata, amr, session_id, ...): building a jsonb
-- value of all of them only to read one key costs more than scanning the text for it as json,
-- ~4.0 -> ~2.9 us a call (psql, five rounds of 100,000 calls with 414 bytes of GoTrue-shaped
-- claims; the same ~1.3 us either way for a token holding only sub, role and exp;
-- docs/performance.md, fourteenth session). The claims are still validated whole (json's input
-- checks the syntax). Everything stays named by
-- schema and inlinable (ADR 0034); an empty claims setting is still no claims, as auth.jwt()
-- reads it.
-- Same results: a uuid `sub` gives it, an empty or missing `sub`, or no claims, give null, any
-- other `sub` raises the same cast error as before; malformed claims raise json's input error
-- (22P02), as jsonb's did. Duplicate keys: both types' ->> answer the last value.
-- Affected: function auth.uid() (same signature, comment and grants; body replaced).

create or replace function auth.uid()
returns uuid
language sql
stable
as $$
    select (
        pg_catalog.array_remove(
            array[
                case
                    when pg_catalog.current_setting('request.jwt.claims', true)
                        operator(pg_catalog.=) ''
                        then null
                    else pg_catalog.current_setting('request.jwt.claims', true)::pg_catalog.json
                end operator(pg_catalog.->>) 'sub'
            ],
            ''
        )
    )[1]::pg_catalog.uuid
$$;
