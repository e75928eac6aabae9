-- Purpose: a table's combined SELECT policy for a role, as SQL text over its columns. The realtime
-- server evaluates it on each changed row as the WAL recorded it (not on the live row, which may
-- have changed or gone since), for all subscriber claim sets of a batch in one query.
-- Affected: function realtime.select_policy(regclass, text).

create function realtime.select_policy(entity regclass, role_name text)
returns text
language sql
stable
set search_path = ''
as $$
    -- Permissive policies are or-ed, restrictive ones and-ed; none permissive denies all.
    select pg_catalog.concat_ws(
        ' and ',
        '(' || coalesce(
            pg_catalog.string_agg(
                '(' || coalesce(pg_catalog.pg_get_expr(p.polqual, p.polrelid), 'true') || ')',
                ' or '
            ) filter (where p.polpermissive),
            'false'
        ) || ')',
        pg_catalog.string_agg(
            '(' || coalesce(pg_catalog.pg_get_expr(p.polqual, p.polrelid), 'true') || ')',
            ' and '
        ) filter (where not p.polpermissive)
    )
    from pg_catalog.pg_policy as p
    where
        p.polrelid = entity
        and p.polcmd in ('r', '*')
        and exists (
            select from pg_catalog.unnest(p.polroles) as r (oid)
            where r.oid = 0 or pg_catalog.pg_has_role(role_name, r.oid, 'member')
        );
$$;

comment on function realtime.select_policy(regclass, text) is
'The combined SELECT policy expression of a table for a role, in terms of its unqualified columns.';

grant usage on schema realtime to authenticator;
grant execute on function realtime.select_policy(regclass, text) to authenticator;
