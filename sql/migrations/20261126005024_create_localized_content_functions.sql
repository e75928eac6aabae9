-- Purpose: the localized view of content for a requested learner locale, with fallbacks.
-- Affected: functions public.localized_lexemes(text), public.localized_decks(text),
-- public.localized_lessons(text).
-- Invoker functions: the tables' RLS decides which rows the caller sees.

create function public.localized_lexemes(learner_locale text)
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
        order by array_position(public.locale_chain(learner_locale), lg.locale)
        limit 1
    ) as g on true
$$;

comment on function public.localized_lexemes(text) is
'Lexemes the caller may see, glossed in the learner locale or its nearest fallback.';

grant execute on function public.localized_lexemes(text) to anon, authenticated, service_role;

create function public.localized_decks(learner_locale text)
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
        order by array_position(public.locale_chain(learner_locale), dt.locale)
        limit 1
    ) as t on true
$$;

comment on function public.localized_decks(text) is
'Decks the caller may see, titled in the learner locale or its nearest fallback.';

grant execute on function public.localized_decks(text) to anon, authenticated, service_role;

create function public.localized_lessons(learner_locale text)
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
        order by array_position(public.locale_chain(learner_locale), lt.locale)
        limit 1
    ) as t on true
$$;

comment on function public.localized_lessons(text) is
'Lessons the caller may see, in the learner locale or its nearest fallback.';

grant execute on function public.localized_lessons(text) to anon, authenticated, service_role;
