-- Purpose: characters' language challenges draw lexemes from their campaign's pinned decks.
-- Affected: function public.draw_challenge_lexemes(uuid, text, integer, text).

create function public.draw_challenge_lexemes(
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
        order by array_position(public.locale_chain(learner_locale), lg.locale)
        limit 1
    ) as g on true
    where vl.pack_version_id = version_id
        and (draw_challenge_lexemes.cefr is null or l.cefr = draw_challenge_lexemes.cefr)
        and l.published_at is not null
    order by l.id
    ) as d
    order by random()
    limit n;
end;
$$;

comment on function public.draw_challenge_lexemes(uuid, text, integer, text) is
'Up to n random lexemes of a CEFR level (null: any) from the campaign''s pinned pack version, '
'glossed in the learner locale (with fallbacks); only campaign members may draw.';

grant execute on function public.draw_challenge_lexemes(uuid, text, integer, text)
to authenticated, service_role;
