-- Purpose: write the search functions in the core's style: every built-in function called from
-- a body is qualified with pg_catalog, and the definer's reason sits above it. Behaviour,
-- signatures, volatility, security, search_path, grants and comments stay as they were (create or
-- replace keeps privileges and comments); only the calls are qualified.
-- Affected: functions app_private.enqueue_search_change(), app_private.search_documents(text,
-- uuid[]), app_private.search_audiences() (replaced).

-- DEFINER: editors write content but may not write the private outbox directly.
-- Trigger arguments: the search kind and the column holding that kind's entity id.
create or replace function app_private.enqueue_search_change()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
    kind text := tg_argv[0];
    key_column text := tg_argv[1];
    old_id uuid;
    new_id uuid;
begin
    if tg_op in ('UPDATE', 'DELETE') then
        old_id := (pg_catalog.to_jsonb(old) ->> key_column)::uuid;
        insert into app_private.search_outbox (kind, entity_id) values (kind, old_id);
    end if;
    if tg_op in ('INSERT', 'UPDATE') then
        new_id := (pg_catalog.to_jsonb(new) ->> key_column)::uuid;
        if new_id is distinct from old_id then
            insert into app_private.search_outbox (kind, entity_id) values (kind, new_id);
        end if;
    end if;
    perform pg_catalog.pg_notify('search_outbox', '');
    return null;
end;
$$;

create or replace function app_private.search_documents(kind text, entity_ids uuid[])
returns table (entity_id uuid, document jsonb)
language plpgsql
stable
set search_path = ''
as $$
begin
    if kind = 'lexeme' then
        return query
        select lx.id, pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
            'id', lx.id::text || ':' || loc.code,
            'entity_id', lx.id::text,
            'locale', loc.code,
            'learning_language', lx.learning_language,
            'lemma', lx.lemma,
            'forms', coalesce((
                select pg_catalog.array_agg(f.surface_form order by f.surface_form)
                from public.lexeme_forms as f where f.lexeme_id = lx.id
            ), array[]::text[]),
            'gloss', g.gloss,
            'hint', g.hint,
            'part_of_speech', lx.part_of_speech,
            'cefr', lx.cefr,
            'frequency_rank', lx.frequency_rank,
            'audience', coalesce('campaign:' || lx.restricted_campaign_id::text, 'public')
        ))
        from public.lexemes as lx
        cross join public.locales as loc
        left join lateral (
            select lg.gloss, lg.hint
            from public.lexeme_glosses as lg
            where lg.lexeme_id = lx.id
            order by pg_catalog.array_position(public.locale_chain(loc.code), lg.locale)
            limit 1
        ) as g on true
        where lx.id = any(entity_ids) and lx.published_at is not null and loc.is_learner;
    elsif kind = 'deck' then
        return query
        select d.id, pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
            'id', d.id::text || ':' || loc.code,
            'entity_id', d.id::text,
            'locale', loc.code,
            'learning_language', d.learning_language,
            'title', t.title,
            'description', t.description,
            'lexeme_count', (
                select pg_catalog.count(*) from public.deck_lexemes as dl where dl.deck_id = d.id
            ),
            'audience', coalesce('campaign:' || d.restricted_campaign_id::text, 'public')
        ))
        from public.decks as d
        cross join public.locales as loc
        inner join lateral (
            select dt.title, dt.description
            from public.deck_translations as dt
            where dt.deck_id = d.id and dt.locale = any(public.locale_chain(loc.code))
            order by pg_catalog.array_position(public.locale_chain(loc.code), dt.locale)
            limit 1
        ) as t on true
        where d.id = any(entity_ids) and d.published_at is not null and loc.is_learner;
    elsif kind = 'lesson' then
        return query
        select le.id, pg_catalog.jsonb_build_object(
            'id', le.id::text || ':' || loc.code,
            'entity_id', le.id::text,
            'locale', loc.code,
            'learning_language', d.learning_language,
            'deck_id', d.id::text,
            'position', le.position,
            'title', t.title,
            'body', pg_catalog.left(t.body, 2000),
            'audience', coalesce('campaign:' || d.restricted_campaign_id::text, 'public')
        )
        from public.lessons as le
        inner join public.decks as d on le.deck_id = d.id
        cross join public.locales as loc
        inner join lateral (
            select lt.title, lt.body
            from public.lesson_translations as lt
            where lt.lesson_id = le.id and lt.locale = any(public.locale_chain(loc.code))
            order by pg_catalog.array_position(public.locale_chain(loc.code), lt.locale)
            limit 1
        ) as t on true
        where le.id = any(entity_ids)
            and le.published_at is not null
            and d.published_at is not null
            and loc.is_learner;
    elsif kind = 'campaign' then
        return query
        select c.id, pg_catalog.jsonb_build_object(
            'id', c.id::text,
            'entity_id', c.id::text,
            'locale', 'all',
            'learning_language', c.target_language,
            'name', c.name,
            'description', c.description,
            'audience', 'public'
        )
        from public.campaigns as c
        where c.id = any(entity_ids) and c.visibility = 'public' and c.status <> 'archived';
    end if;
end;
$$;


create or replace function app_private.search_audiences()
returns text[]
language sql
stable
set search_path = ''
as $$
    select case
        when app_private.has_permission('content.write') then null
        else array['public'] || coalesce(
            (select pg_catalog.array_agg('campaign:' || id::text order by id)
                from app_private.my_campaign_ids() as id),
            array[]::text[]
        )
    end
$$;
