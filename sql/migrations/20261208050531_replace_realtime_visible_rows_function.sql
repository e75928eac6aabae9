-- Purpose: a cheaper loop over the claim sets in realtime.visible_rows (issue 19). The loop's
-- overhead is paid once per subscriber and changed row, and the realtime fan-out waits on it:
-- claims[position] walked the variable-length array from its start at every step, and each
-- PERFORM set_config() ran as a query of its own where an assignment evaluates the call
-- directly. 50 claim sets of one member checked against one roll: ~15% more calls per second
-- (pgbench, one client, eight alternated rounds, docs/performance.md). Same answers, signature,
-- privileges and search path.
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
    claim text;
    role_now text;
    ignored text;
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
    -- Paid per subscriber and changed row: FOREACH walks the claims once (claims[position]
    -- walked the array from its start at every step), and an assignment evaluates set_config()
    -- where PERFORM ran it as a query.
    position := 0;
    foreach claim in array coalesce(claims, '{}') loop
        position := position + 1;
        if position = 1 or roles[position] is distinct from role_now then
            role_now := roles[position];
            ignored := pg_catalog.set_config('role', role_now, true);
        end if;
        ignored := pg_catalog.set_config('request.jwt.claims', claim, true);
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
