-- Purpose: the RLS check of realtime.visible_rows looks each changed row up by its primary key.
-- It was `where exists (select from <table> where <key> = ...)` over the keys: planned once per
-- session as a generic plan, Postgres chose a hash semi-join over a sequential scan of the whole
-- table (the key list is estimated at 100 rows), evaluating the policies on every row of the table
-- for every claim set, so the check slowed as the table grew (315 us per claim set over 2,000
-- dice_rolls against 63 us by key, bench/bench_realtime.py). A lateral sub-select with `limit 1`
-- per key is a parameterized lookup: the planner uses the primary key index (its equality
-- operators are leakproof, so RLS lets them reach the index). Same answer (a key is returned iff
-- the select of that row returns it), same signature, privileges and search path.
-- Affected: function realtime.visible_rows(regclass, jsonb, text[], text[], text) (replaced).

create or replace function realtime.visible_rows(
    entity regclass,
    keys jsonb,
    roles text[],
    claims text[],
    request_search_path text default '"public"'
)
returns table (claims_index integer, key_index integer)
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    check_sql text;
    statement_name text;
    position integer;
    found integer[];
    prepared boolean;
begin
    -- Built from the catalog (key columns and their types), never from policy text.
    select
        'select pg_catalog.array_agg(k.n::integer - 1) from pg_catalog.jsonb_array_elements('
        || 'pg_catalog.current_setting(''realtime.rls_keys'')::jsonb) with ordinality as k (v, n) '
        || 'cross join lateral (select from ' || entity::text || ' as t where '
        || pg_catalog.string_agg(
            pg_catalog.format(
                't.%I = (k.v ->> %L)::%s',
                a.attname,
                a.attname,
                pg_catalog.format_type(a.atttypid, a.atttypmod)
            ),
            ' and ' order by a.attnum
        )
        || ' limit 1) as found_row'
    into check_sql
    from pg_catalog.pg_index as i
    inner join pg_catalog.pg_attribute as a
        on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
    where i.indrelid = entity and i.indisprimary;
    if check_sql is null then
        raise exception 'realtime: table % has no primary key', entity;
    end if;
    statement_name := 'realtime_rls_' || pg_catalog.md5(check_sql);
    prepared := exists (
        select from pg_catalog.pg_prepared_statements as p where p.name = statement_name
    );
    -- What the REST server sets for a GET of the table, besides role and claims. Every setting
    -- is transaction-local and undone when the function returns (it has a SET clause).
    perform
        pg_catalog.set_config('realtime.rls_keys', keys::text, true),
        pg_catalog.set_config('search_path', request_search_path, true),
        pg_catalog.set_config('request.method', 'GET', true),
        pg_catalog.set_config(
            'request.path', '/' || (select c.relname from pg_catalog.pg_class as c
                where c.oid = entity), true
        ),
        pg_catalog.set_config('request.headers', '{}', true),
        pg_catalog.set_config('request.cookies', '{}', true);
    for position in 1 .. coalesce(pg_catalog.cardinality(claims), 0) loop
        perform
            pg_catalog.set_config('role', roles[position], true),
            pg_catalog.set_config('request.jwt.claims', claims[position], true);
        if not prepared then
            -- Names are resolved as a subscriber role: the login role may not even see the schema.
            execute pg_catalog.format('prepare %I as %s', statement_name, check_sql);
            prepared := true;
        end if;
        execute pg_catalog.format('execute %I', statement_name) into found;
        claims_index := position - 1;
        foreach key_index in array coalesce(found, '{}') loop
            return next;
        end loop;
    end loop;
end;
$$;
