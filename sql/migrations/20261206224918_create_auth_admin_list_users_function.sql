-- Purpose: GoTrue's list-users filters (issue 20, admin API parity): `filter` (part of the
-- email or of user_metadata.full_name, case-insensitive) and `sort` ("<column> [asc|desc]" of
-- created_at, email, last_sign_in_at, updated_at), next to page and per_page.
-- Affected: function auth.admin_list_users(integer, integer, text, text) (new; the two-argument
-- one stays for servers of the previous release during a rolling restart).

-- DEFINER: the service role reads the private auth.users.
create function auth.admin_list_users(
    page integer, per_page integer, filter text, sort text default null
)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
    parts text[] := pg_catalog.regexp_match(
        coalesce(pg_catalog.lower(pg_catalog.btrim(sort)), 'created_at asc'),
        '^(created_at|email|last_sign_in_at|updated_at)(?:\s+(asc|desc))?$'
    );
    pattern text := '%' || pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(
        coalesce(filter, ''), '\', '\\'), '%', '\%'), '_', '\_') || '%';
    ordering text;
    result jsonb;
begin
    if page is null or page < 1 or per_page is null or per_page not between 1 and 1000 then
        perform auth.fail(
            400, 'validation_failed', 'page must be >= 1 and per_page between 1 and 1000'
        );
    end if;
    if parts is null then
        perform auth.fail(
            400, 'validation_failed',
            'sort must be one of created_at, email, last_sign_in_at, updated_at, then asc or desc'
        );
    end if;
    ordering := pg_catalog.format(
        'u.%I %s nulls last, u.id', parts[1], coalesce(parts[2], 'asc')
    );
    execute pg_catalog.format(
        $query$
        with matching as (
            select * from auth.users as u
            where $1 = '%%%%'
                or u.email::text ilike $1
                or u.raw_user_meta_data ->> 'full_name' ilike $1
        )
        select pg_catalog.jsonb_build_object(
            'users', coalesce((
                select pg_catalog.jsonb_agg(auth.user_json(u) order by %1$s)
                from (
                    select * from matching as u order by %1$s
                    limit $2 offset ($3 - 1)::bigint * $2
                ) as u
            ), '[]'),
            'aud', 'authenticated',
            'total', (select pg_catalog.count(*) from matching)
        )
        $query$,
        ordering
    ) into result using pattern, per_page, page;
    return result;
end
$$;

comment on function auth.admin_list_users(integer, integer, text, text) is
'One page of users matching `filter` (email or full_name, case-insensitive) in `sort` order: '
'{"users": [...], "aud": "authenticated", "total": n} (GET /admin/users).';

grant execute on function auth.admin_list_users(integer, integer, text, text) to service_role;
