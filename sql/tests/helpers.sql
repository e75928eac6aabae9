-- pgTAP helpers, loaded by the test harness (`rfl test`) into schema `tests` of the throwaway
-- database, next to pgTAP itself, before pg_prove runs the `*.test.sql` files; never part of a
-- migration. The API roles may call them, so a test can assert while acting as one.

grant usage on schema tests to anon, authenticated, service_role;

-- Act as a user (or 'anon') exactly as PostgREST does: role + request.jwt.claims.
create function tests.act_as(actor text)
returns void
language sql
as $$
    select
        set_config('role', 'none', true),
        set_config(
            'request.jwt.claims',
            case when actor = 'anon' then '{"role": "anon"}' else json_build_object(
                'role', 'authenticated', 'sub', md5(actor)::uuid
            )::text end,
            true
        ),
        set_config('role', case when actor = 'anon' then 'anon' else 'authenticated' end, true)
$$;

-- The labels among `candidates` whose rows the current role can see in public.<tbl>
-- (campaign_members labels read '<campaign>:<user>').
create function tests.visible(tbl text, candidates text[])
returns text[]
language plpgsql
as $$
declare
    result text[];
    condition text := case when tbl = 'campaign_members'
        then 't.campaign_id = md5(split_part(c, '':'', 1))::uuid'
        || ' and t.user_id = md5(split_part(c, '':'', 2))::uuid'
        else 't.id = md5(c)::uuid' end;
begin
    execute format(
        'select coalesce(array_agg(c order by c), ''{}'') from unnest($1) as c'
        ' where exists (select from public.%I as t where %s)', tbl, condition
    ) into result using candidates;
    return result;
end;
$$;

-- How many rows a statement changes, its effects rolled back; errors propagate.
create function tests.affected(statement text)
returns integer
language plpgsql
as $$
declare
    changed integer;
begin
    begin
        execute statement;
        get diagnostics changed = row_count;
        raise sqlstate 'TSTRB';
    exception when sqlstate 'TSTRB' then
        return changed;
    end;
end;
$$;

grant execute on all functions in schema tests to anon, authenticated, service_role;
