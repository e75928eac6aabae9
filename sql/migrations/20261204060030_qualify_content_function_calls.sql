-- Purpose: write the content functions in the core's style: every built-in function called from
-- a body is qualified with pg_catalog, as the core's bodies are. Behaviour, signatures,
-- volatility, search_path, grants and comments stay as they were (create or replace keeps
-- privileges and comments); only the calls are qualified, and the one unaliased table (in
-- snapshot_content_pack's row lock) gets an alias like every other.
-- Affected: functions public.locale_chain(text), app_private.snapshot_content_pack(uuid),
-- public.draw_challenge_lexemes(uuid, text, integer, text), public.localized_lexemes(text),
-- public.localized_decks(text), public.localized_lessons(text) (replaced).
-- The content tables' check constraints call length() and cardinality() unqualified and are
-- left alone: Postgres stores a constraint as a parsed expression bound to the function itself,
-- so qualifying its text would change nothing but the migration file.

create or replace function public.locale_chain(requested text)
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
        pg_catalog.array_agg(chain.code order by chain.depth) filter (where chain.code is not null),
        array['en']
    )
    from chain
$$;

create or replace function app_private.snapshot_content_pack(target_pack_id uuid)
returns integer
language plpgsql
set search_path = ''
as $$
declare
    next_version integer;
    new_version_id uuid;
begin
    perform 1 from public.content_packs as p where p.id = target_pack_id for update;
    if not found then
        raise sqlstate 'PT404' using message = 'content pack not found';
    end if;
    select coalesce(pg_catalog.max(v.version), 0) + 1 into next_version
    from public.content_pack_versions as v
    where v.pack_id = target_pack_id;
    insert into public.content_pack_versions (pack_id, version)
    values (target_pack_id, next_version)
    returning id into new_version_id;
    insert into public.content_pack_version_lexemes (pack_version_id, deck_id, lexeme_id)
    select new_version_id, dl.deck_id, dl.lexeme_id
    from public.deck_lexemes as dl
    inner join public.decks as d on dl.deck_id = d.id
    inner join public.lexemes as l on dl.lexeme_id = l.id
    where d.pack_id = target_pack_id
        and d.published_at is not null
        and l.published_at is not null;
    return next_version;
end;
$$;

create or replace function public.draw_challenge_lexemes(
    campaign_id uuid, cefr text, n integer, learner_locale text default 'en'
)
returns table (
    lexeme_id uuid, lemma text, part_of_speech text, cefr_level text, learning_language text,
    gloss text, audio_path text
)
language plpgsql
stable
set search_path = ''
as $$
declare
    version_id uuid;
begin
    if not app_private.is_campaign_member(draw_challenge_lexemes.campaign_id) then
        raise sqlstate '42501' using message = 'only campaign members draw challenge lexemes';
    end if;
    if n is null or n not between 1 and 50 then
        raise sqlstate '22023' using message = 'n must be between 1 and 50';
    end if;
    select ccp.pack_version_id into version_id
    from public.campaign_content_packs as ccp
    where ccp.campaign_id = draw_challenge_lexemes.campaign_id;
    if version_id is null then
        -- Unpinned campaigns play the newest version of a pack in their target language.
        select v.id into version_id
        from public.content_pack_versions as v
        inner join public.content_packs as p on v.pack_id = p.id
        inner join public.campaigns as c on p.learning_language = c.target_language
        where c.id = draw_challenge_lexemes.campaign_id
        order by v.published_at desc, v.version desc
        limit 1;
    end if;
    return query
    select d.* from (
        select distinct on (l.id) l.id, l.lemma, l.part_of_speech, l.cefr, l.learning_language,
            g.gloss, l.audio_path
        from public.content_pack_version_lexemes as vl
        inner join public.lexemes as l on vl.lexeme_id = l.id
        left join lateral (
            select lg.gloss from public.lexeme_glosses as lg
            where lg.lexeme_id = l.id and lg.locale = any(public.locale_chain(learner_locale))
            order by pg_catalog.array_position(public.locale_chain(learner_locale), lg.locale)
            limit 1
        ) as g on true
        where vl.pack_version_id = version_id
            and (draw_challenge_lexemes.cefr is null or l.cefr = draw_challenge_lexemes.cefr)
            and l.published_at is not null
        order by l.id
    ) as d
    order by pg_catalog.random()
    limit n;
end;
$$;

create or replace function public.localized_lexemes(learner_locale text)
returns table (
    id uuid, learning_language text, lemma text, part_of_speech text, cefr text,
    frequency_rank integer, audio_path text, gloss text, hint text, gloss_locale text
)
language sql
stable
set search_path = ''
as $$
    select l.id, l.learning_language, l.lemma, l.part_of_speech, l.cefr, l.frequency_rank,
        l.audio_path, g.gloss, g.hint, g.locale
    from public.lexemes as l
    left join lateral (
        select lg.gloss, lg.hint, lg.locale from public.lexeme_glosses as lg
        where lg.lexeme_id = l.id and lg.locale = any(public.locale_chain(learner_locale))
        order by pg_catalog.array_position(public.locale_chain(learner_locale), lg.locale)
        limit 1
    ) as g on true
$$;

create or replace function public.localized_decks(learner_locale text)
returns table (
    id uuid, pack_id uuid, learning_language text, title text, description text,
    title_locale text
)
language sql
stable
set search_path = ''
as $$
    select d.id, d.pack_id, d.learning_language, t.title, t.description, t.locale
    from public.decks as d
    left join lateral (
        select dt.title, dt.description, dt.locale from public.deck_translations as dt
        where dt.deck_id = d.id and dt.locale = any(public.locale_chain(learner_locale))
        order by pg_catalog.array_position(public.locale_chain(learner_locale), dt.locale)
        limit 1
    ) as t on true
$$;

create or replace function public.localized_lessons(learner_locale text)
returns table (
    id uuid, deck_id uuid, lesson_position integer, title text, body text, title_locale text
)
language sql
stable
set search_path = ''
as $$
    select le.id, le.deck_id, le.position, t.title, t.body, t.locale
    from public.lessons as le
    left join lateral (
        select lt.title, lt.body, lt.locale from public.lesson_translations as lt
        where lt.lesson_id = le.id and lt.locale = any(public.locale_chain(learner_locale))
        order by pg_catalog.array_position(public.locale_chain(learner_locale), lt.locale)
        limit 1
    ) as t on true
$$;
