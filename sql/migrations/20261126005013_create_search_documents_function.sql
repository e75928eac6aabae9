-- Purpose: the latest searchable state of content entities, one document per learner locale.
-- Affected: functions app_private.search_documents(text, uuid[]),
-- app_private.search_entity_ids(text).
-- The indexer, the reindex and the consistency checks all read documents from here, so
-- Typesense always receives the current state, never an event payload.

create function app_private.search_documents(kind text, entity_ids uuid[])
returns table (entity_id uuid, document jsonb)
language plpgsql
stable
set search_path = ''
as $$
begin
    if kind = 'lexeme' then
        return query
        select lx.id, jsonb_strip_nulls(jsonb_build_object(
            'id', lx.id::text || ':' || loc.code,
            'entity_id', lx.id::text,
            'locale', loc.code,
            'learning_language', lx.learning_language,
            'lemma', lx.lemma,
            'forms', coalesce((
                select array_agg(f.surface_form order by f.surface_form)
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
            order by array_position(public.locale_chain(loc.code), lg.locale)
            limit 1
        ) as g on true
        where lx.id = any(entity_ids) and lx.published_at is not null and loc.is_learner;
    elsif kind = 'deck' then
        return query
        select d.id, jsonb_strip_nulls(jsonb_build_object(
            'id', d.id::text || ':' || loc.code,
            'entity_id', d.id::text,
            'locale', loc.code,
            'learning_language', d.learning_language,
            'title', t.title,
            'description', t.description,
            'lexeme_count', (select count(*) from public.deck_lexemes as dl where dl.deck_id = d.id),
            'audience', coalesce('campaign:' || d.restricted_campaign_id::text, 'public')
        ))
        from public.decks as d
        cross join public.locales as loc
        inner join lateral (
            select dt.title, dt.description
            from public.deck_translations as dt
            where dt.deck_id = d.id and dt.locale = any(public.locale_chain(loc.code))
            order by array_position(public.locale_chain(loc.code), dt.locale)
            limit 1
        ) as t on true
        where d.id = any(entity_ids) and d.published_at is not null and loc.is_learner;
    elsif kind = 'lesson' then
        return query
        select le.id, jsonb_build_object(
            'id', le.id::text || ':' || loc.code,
            'entity_id', le.id::text,
            'locale', loc.code,
            'learning_language', d.learning_language,
            'deck_id', d.id::text,
            'position', le.position,
            'title', t.title,
            'body', left(t.body, 2000),
            'audience', coalesce('campaign:' || d.restricted_campaign_id::text, 'public')
        )
        from public.lessons as le
        inner join public.decks as d on le.deck_id = d.id
        cross join public.locales as loc
        inner join lateral (
            select lt.title, lt.body
            from public.lesson_translations as lt
            where lt.lesson_id = le.id and lt.locale = any(public.locale_chain(loc.code))
            order by array_position(public.locale_chain(loc.code), lt.locale)
            limit 1
        ) as t on true
        where le.id = any(entity_ids)
            and le.published_at is not null
            and d.published_at is not null
            and loc.is_learner;
    elsif kind = 'campaign' then
        return query
        select c.id, jsonb_build_object(
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

comment on function app_private.search_documents(text, uuid[]) is
'Search documents of the given entities; an entity with none must be absent from the index.';

grant execute on function app_private.search_documents(text, uuid[]) to service_role;

create function app_private.search_entity_ids(kind text)
returns setof uuid
language sql
stable
set search_path = ''
as $$
    select lx.id from public.lexemes as lx where kind = 'lexeme' and lx.published_at is not null
    union all
    select d.id from public.decks as d where kind = 'deck' and d.published_at is not null
    union all
    select le.id from public.lessons as le where kind = 'lesson' and le.published_at is not null
    union all
    select c.id from public.campaigns as c where kind = 'campaign' and c.visibility = 'public'
$$;

comment on function app_private.search_entity_ids(text) is
'Candidates for a full reindex of a kind (search_documents decides what is indexed).';

grant execute on function app_private.search_entity_ids(text) to service_role;
