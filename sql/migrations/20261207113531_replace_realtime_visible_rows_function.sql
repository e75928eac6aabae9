-- Purpose: cheaper per-subscriber RLS checks in realtime.visible_rows (issue 19). A single write
-- changes one row, and its check ran for every subscriber through the set-shaped statement (key
-- list from a setting, parsed as JSON, unnested, aggregated). One changed row is now looked up by
-- its key passed as the prepared statement's parameters: ~20 -> ~16 us per subscriber of
-- database time (1,000 subscribers, one roll, docs/performance.md). Batches of several rows keep
-- the set-shaped check. The role is set only when it differs from the previous claim set's (the
-- node sends claim sets grouped by role). Same answers, signature, privileges and search path.
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
    single_row boolean := pg_catalog.jsonb_array_length(keys) = 1;
    key_match text;
    key_types text;
    key_values text;
    set_match text;
    check_sql text;
    run_check text;
    statement_name text;
    position integer;
    found integer[];
    seen bigint;
    prepared boolean;
begin
    -- Built from the catalog (key columns and their types), never from policy text; the key's
    -- values only ever enter as quoted literals.
    select
        pg_catalog.string_agg(
            pg_catalog.format('t.%I = $%s', k.name, k.ordinal), ' and ' order by k.ordinal
        ),
        pg_catalog.string_agg(k.type_name, ', ' order by k.ordinal),
        pg_catalog.string_agg(
            pg_catalog.format('%L', keys -> 0 ->> k.name), ', ' order by k.ordinal
        ),
        pg_catalog.string_agg(
            pg_catalog.format('t.%I = (k.v ->> %L)::%s', k.name, k.name, k.type_name),
            ' and ' order by k.ordinal
        )
    into key_match, key_types, key_values, set_match
    from (
        select
            a.attname::text as name,
            pg_catalog.format_type(a.atttypid, a.atttypmod) as type_name,
            pg_catalog.row_number() over (order by a.attnum) as ordinal
        from pg_catalog.pg_index as i
        inner join pg_catalog.pg_attribute as a
            on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
        where i.indrelid = entity and i.indisprimary
    ) as k;
    if key_match is null then
        raise exception 'realtime: table % has no primary key', entity;
    end if;
    if single_row then
        -- A select of that one row by key: a row counts as seen iff it returns it.
        check_sql := pg_catalog.format(
            '(%s) as select from %s as t where %s', key_types, entity, key_match
        );
        run_check := pg_catalog.format('(%s)', key_values);
    else
        -- The positions of the keys (realtime.rls_keys) whose row the select returns; a lateral
        -- lookup by key with limit 1, so the primary key index serves every key.
        check_sql := ' as select pg_catalog.array_agg(k.n::integer - 1) '
            || 'from pg_catalog.jsonb_array_elements('
            || 'pg_catalog.current_setting(''realtime.rls_keys'')::jsonb) with ordinality as k (v, n) '
            || 'cross join lateral (select from ' || entity::text || ' as t where ' || set_match
            || ' limit 1) as found_row';
        run_check := '';
    end if;
    statement_name := 'realtime_rls_' || pg_catalog.md5(check_sql);
    run_check := pg_catalog.format('execute %I', statement_name) || run_check;
    prepared := exists (
        select from pg_catalog.pg_prepared_statements as p where p.name = statement_name
    );
    -- What the REST server sets for a GET of the table, besides role and claims. Every setting
    -- is transaction-local: the node runs each check as its own autocommit statement.
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
        if position = 1 or roles[position] is distinct from roles[position - 1] then
            perform pg_catalog.set_config('role', roles[position], true);
        end if;
        perform pg_catalog.set_config('request.jwt.claims', claims[position], true);
        if not prepared then
            -- Names are resolved as a subscriber role: the login role may not even see the schema.
            execute 'prepare ' || pg_catalog.quote_ident(statement_name) || check_sql;
            prepared := true;
        end if;
        claims_index := position - 1;
        if single_row then
            execute run_check;
            get diagnostics seen = row_count;
            if seen > 0 then
                key_index := 0;
                return next;
            end if;
        else
            execute run_check into found;
            foreach key_index in array coalesce(found, '{}') loop
                return next;
            end loop;
        end if;
    end loop;
end;
$$;
