-- Purpose: draw challenge lexemes within the latency budget for players with tens of thousands
-- of reviews (issue 23: p99 < 20 ms for 20,000 reviewed lexemes). Measured on the previous
-- version: ~400 ms, nearly all of it JIT compilation (the RLS checks of the content tables
-- inflate the plan's cost past jit_above_cost), then ~30 ms of per-row policy checks.
-- Now the ids are picked by app_private.draw_challenge_lexeme_ids (DEFINER, jit off): due
-- lexemes from the player's (user_id, due) index first, stopping at n; only when fewer than n are
-- due does it walk the version's lexemes in id order from a random pivot for new ones, then the
-- rest, stopping as soon as it has n (random uuids make this a random sample). It applies the
-- content rules the policies would (published, not restricted to another campaign) itself. The
-- public function keeps its signature, checks membership and n as before and reads the n
-- lexemes and glosses as the caller.
-- Affected: index content_pack_version_lexemes (pack_version_id, lexeme_id); function
-- app_private.draw_challenge_lexeme_ids(uuid, text, integer, uuid);
-- function public.draw_challenge_lexemes(uuid, text, integer, text) (grants kept).

-- lint: allow require-concurrent-index-creation — pack lexeme rows are few (authored content)
create index content_pack_version_lexemes_pack_version_id_lexeme_id_idx
on public.content_pack_version_lexemes (pack_version_id, lexeme_id);

-- Up to max_count drawable lexemes of a version in id order from pivot (before: from the
-- lowest id up to pivot), reviewed by the player or not, but for `excluded`; the LIMIT stops
-- the index scan early.
create function app_private.version_lexemes_from(
    version_id uuid, pivot uuid, before boolean, level text, campaign_id uuid, learner uuid,
    reviewed boolean, excluded uuid[], max_count integer
)
returns table (id uuid)
language plpgsql
stable
set search_path = ''
as $$
declare
    low uuid := case when before then '00000000-0000-0000-0000-000000000000'::uuid else pivot end;
    high uuid := case when before then pivot else 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid end;
begin
    return query
    select distinct on (vl.lexeme_id) vl.lexeme_id
    from public.content_pack_version_lexemes as vl
    where vl.pack_version_id = version_lexemes_from.version_id
        and vl.lexeme_id between low and high
        and vl.lexeme_id <> all(excluded)
        and exists (
            select from public.lexemes as l
            where l.id = vl.lexeme_id and (level is null or l.cefr = level)
                and l.published_at is not null
                and (
                    l.restricted_campaign_id is null
                    or l.restricted_campaign_id = version_lexemes_from.campaign_id
                )
        )
        and exists (
            select from public.review_states as rs
            where rs.user_id = learner and rs.lexeme_id = vl.lexeme_id
        ) = reviewed
    order by vl.lexeme_id
    limit max_count;
end;
$$;

comment on function app_private.version_lexemes_from(
    uuid, uuid, boolean, text, uuid, uuid, boolean, uuid[], integer
) is
'Drawable lexemes of a content pack version in id order from a pivot (helper of '
'draw_challenge_lexeme_ids).';

-- DEFINER: skips the content tables' per-row policies (their rules are applied here).
create function app_private.draw_challenge_lexeme_ids(
    campaign_id uuid, cefr text, n integer, learner uuid
)
returns table (lexeme_id uuid, draw_order integer)
language plpgsql
volatile
security definer
set search_path = ''
set jit = off
as $$
declare
    version_id uuid := app_private.campaign_pack_version(draw_challenge_lexeme_ids.campaign_id);
    level text := draw_challenge_lexeme_ids.cefr;
    picked uuid[];
    reviewed boolean;
    pivot uuid;
begin
    -- 1. Due: from the player's (user_id, due) index, most overdue first, stopping at n.
    select coalesce(pg_catalog.array_agg(d.lexeme_id order by d.due), '{}') into picked
    from (
        select rs.lexeme_id, rs.due from public.review_states as rs
        where rs.user_id = learner and rs.due <= pg_catalog.now()
            and exists (
                select from public.content_pack_version_lexemes as vl
                inner join public.lexemes as l on vl.lexeme_id = l.id
                where vl.lexeme_id = rs.lexeme_id and vl.pack_version_id = version_id
                    and (level is null or l.cefr = level)
                    and l.published_at is not null
                    and (
                        l.restricted_campaign_id is null
                        or l.restricted_campaign_id = draw_challenge_lexeme_ids.campaign_id
                    )
            )
        order by rs.due
        limit n
    ) as d;
    -- 2. Never reviewed, then 3. the rest: the version's lexemes in id order from a random
    -- pivot (ids are random uuids, so this is a random sample), wrapping around.
    foreach reviewed in array array[false, true] loop
        exit when pg_catalog.cardinality(picked) >= n;
        pivot := pg_catalog.gen_random_uuid();
        select picked || coalesce(pg_catalog.array_agg(c.id), '{}') into picked
        from app_private.version_lexemes_from(
            version_id, pivot, false, level, draw_challenge_lexeme_ids.campaign_id, learner,
            reviewed, picked, n - pg_catalog.cardinality(picked)
        ) as c;
        exit when pg_catalog.cardinality(picked) >= n;
        select picked || coalesce(pg_catalog.array_agg(c.id), '{}') into picked
        from app_private.version_lexemes_from(
            version_id, pivot, true, level, draw_challenge_lexeme_ids.campaign_id, learner,
            reviewed, picked, n - pg_catalog.cardinality(picked)
        ) as c;
    end loop;
    return query
    select u.id, u.ordinality::integer from pg_catalog.unnest(picked) with ordinality as u (id);
end;
$$;

comment on function app_private.draw_challenge_lexeme_ids(uuid, text, integer, uuid) is
'Up to n lexeme ids of a campaign''s content for a player: due ones (most overdue first), then '
'never reviewed, then the rest (random within each); callers check membership.';

grant execute on function app_private.draw_challenge_lexeme_ids(uuid, text, integer, uuid)
to authenticated, service_role;

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
begin
    if not app_private.is_campaign_member(draw_challenge_lexemes.campaign_id) then
        raise sqlstate '42501' using message = 'only campaign members draw challenge lexemes';
    end if;
    if n is null or n not between 1 and 50 then
        raise sqlstate '22023' using message = 'n must be between 1 and 50';
    end if;
    return query
    select l.id, l.lemma, l.part_of_speech, l.cefr, l.learning_language, g.gloss, l.audio_path
    from app_private.draw_challenge_lexeme_ids(
        draw_challenge_lexemes.campaign_id, draw_challenge_lexemes.cefr, n, auth.uid()
    ) as p
    inner join public.lexemes as l on p.lexeme_id = l.id
    left join lateral (
        select lg.gloss from public.lexeme_glosses as lg
        where lg.lexeme_id = l.id and lg.locale = any(public.locale_chain(learner_locale))
        order by pg_catalog.array_position(public.locale_chain(learner_locale), lg.locale)
        limit 1
    ) as g on true
    order by p.draw_order;
end;
$$;
