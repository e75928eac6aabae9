-- Purpose: challenges draw what the player needs (issue 23): lexemes due for review first (most
-- overdue first), then lexemes they never reviewed, then the rest, each group in random order,
-- within the campaign's content pack version and CEFR level as before.
-- Affected: function public.draw_challenge_lexemes(uuid, text, integer, text) (same signature,
-- grants kept).

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
    learner uuid := auth.uid();
begin
    if not app_private.is_campaign_member(draw_challenge_lexemes.campaign_id) then
        raise sqlstate '42501' using message = 'only campaign members draw challenge lexemes';
    end if;
    if n is null or n not between 1 and 50 then
        raise sqlstate '22023' using message = 'n must be between 1 and 50';
    end if;
    version_id := app_private.campaign_pack_version(draw_challenge_lexemes.campaign_id);
    return query
    with candidates as (
        select distinct vl.lexeme_id as id
        from public.content_pack_version_lexemes as vl
        inner join public.lexemes as l on vl.lexeme_id = l.id
        where vl.pack_version_id = version_id
            and (draw_challenge_lexemes.cefr is null or l.cefr = draw_challenge_lexemes.cefr)
            and l.published_at is not null
    ),
    picked as (
        select c.id, pg_catalog.row_number() over (
            order by
                case when rs.due <= pg_catalog.now() then 0 when rs.due is null then 1 else 2 end,
                case when rs.due <= pg_catalog.now() then rs.due end,
                pg_catalog.random()
        ) as position
        from candidates as c
        left join public.review_states as rs on rs.user_id = learner and rs.lexeme_id = c.id
        order by position
        limit n
    )
    select l.id, l.lemma, l.part_of_speech, l.cefr, l.learning_language, g.gloss, l.audio_path
    from picked as p
    inner join public.lexemes as l on p.id = l.id
    left join lateral (
        select lg.gloss from public.lexeme_glosses as lg
        where lg.lexeme_id = l.id and lg.locale = any(public.locale_chain(learner_locale))
        order by pg_catalog.array_position(public.locale_chain(learner_locale), lg.locale)
        limit 1
    ) as g on true
    order by p.position;
end;
$$;
