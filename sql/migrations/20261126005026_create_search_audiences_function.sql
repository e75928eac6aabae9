-- Purpose: which restricted audiences the current caller's search may include.
-- Affected: function app_private.search_audiences().

create function app_private.search_audiences()
returns text[]
language sql
stable
set search_path = ''
as $$
    select case
        when app_private.has_permission('content.write') then null
        else array['public'] || coalesce(
            (select array_agg('campaign:' || id::text order by id)
                from app_private.my_campaign_ids() as id),
            array[]::text[]
        )
    end
$$;

comment on function app_private.search_audiences() is
'Audience values the caller may search (public plus campaign:<id> per membership); '
'null for content editors, who see everything.';

grant execute on function app_private.search_audiences() to anon, authenticated, service_role;
