-- Purpose: resolve a requested learner locale to its ordered fallback chain.
-- Affected: function public.locale_chain(text).

create function public.locale_chain(requested text)
returns text[]
language sql
stable
set search_path = ''
as $$
    with recursive chain (code, depth) as (
        select l.code, 1
        from public.locales as l
        where l.code = coalesce(requested, 'en')
        union all
        select l.fallback, c.depth + 1
        from chain as c
        inner join public.locales as l on c.code = l.code
        where l.fallback is not null and c.depth < 10
    )
    select coalesce(
        array_agg(chain.code order by chain.depth) filter (where chain.code is not null),
        array['en']
    )
    from chain
$$;

comment on function public.locale_chain(text) is
'The locales to try, in order, for a requested learner locale (pt-BR -> {pt-BR,pt,en}).';

grant execute on function public.locale_chain(text) to anon, authenticated, service_role;
