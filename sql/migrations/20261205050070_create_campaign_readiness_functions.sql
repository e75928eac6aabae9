-- Purpose: what a game master sees of their players' learning (issue 23): per player and CEFR
-- level of the campaign's content, how many lexemes there are, how many the player reviewed,
-- has mastered and has due, and whether they are ready for the level (mastered >= 80 %).
-- Aggregates only: raw review logs and states stay the player's. Changes are broadcast (event
-- `readiness`) on `readiness:<campaign id>`, which only the campaign's gms (and moderators) join.
-- Affected: functions app_private.campaign_pack_version, app_private.member_readiness,
-- app_private.campaign_readiness, public.campaign_readiness, realtime.topic_readiness_campaign_id;
-- policy on realtime.messages.

create function app_private.campaign_pack_version(campaign_id uuid)
returns uuid
language sql
stable
set search_path = ''
as $$
    -- The pinned version, else (unpinned) the newest version of a pack in the target language.
    select coalesce(
        (
            select ccp.pack_version_id from public.campaign_content_packs as ccp
            where ccp.campaign_id = campaign_pack_version.campaign_id
        ),
        (
            select v.id from public.content_pack_versions as v
            inner join public.content_packs as p on v.pack_id = p.id
            inner join public.campaigns as c on p.learning_language = c.target_language
            where c.id = campaign_pack_version.campaign_id
            order by v.published_at desc, v.version desc
            limit 1
        )
    )
$$;

comment on function app_private.campaign_pack_version(uuid) is
'The content pack version a campaign plays (pinned, else the newest in its language).';

grant execute on function app_private.campaign_pack_version(uuid) to authenticated, service_role;

-- DEFINER: aggregates the player's review states, which only they may read row by row.
create function app_private.member_readiness(campaign_id uuid, learner uuid)
returns table (
    user_id uuid, cefr text, lexemes integer, reviewed integer, mastered integer, due integer,
    ready boolean
)
language sql
stable
security definer
set search_path = ''
as $$
    select learner, l.cefr, pg_catalog.count(*)::integer,
        pg_catalog.count(rs.lexeme_id)::integer,
        pg_catalog.count(*) filter (
            where app_private.is_mastered(rs.state, rs.stability)
        )::integer,
        pg_catalog.count(*) filter (where rs.due <= pg_catalog.now())::integer,
        pg_catalog.count(*) filter (where app_private.is_mastered(rs.state, rs.stability)) * 5
        >= pg_catalog.count(*) * 4
    from (
        select distinct vl.lexeme_id from public.content_pack_version_lexemes as vl
        where vl.pack_version_id = app_private.campaign_pack_version(member_readiness.campaign_id)
    ) as v
    inner join public.lexemes as l on v.lexeme_id = l.id and l.published_at is not null
    left join public.review_states as rs on rs.user_id = learner and rs.lexeme_id = l.id
    group by l.cefr
$$;

comment on function app_private.member_readiness(uuid, uuid) is
'One player''s readiness per CEFR level of a campaign''s content (no authorization: callers '
'check it).';

-- DEFINER: gms see their players' aggregates, not the rows behind them.
create function app_private.campaign_readiness(campaign_id uuid)
returns table (
    user_id uuid, cefr text, lexemes integer, reviewed integer, mastered integer, due integer,
    ready boolean
)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
    if not (
        app_private.is_campaign_gm(campaign_readiness.campaign_id)
        or app_private.has_permission('campaign.moderate')
    ) then
        raise sqlstate '42501' using message = 'only the campaign''s gms read its readiness';
    end if;
    return query
    select r.* from public.campaign_members as m
    cross join lateral app_private.member_readiness(m.campaign_id, m.user_id) as r
    where m.campaign_id = campaign_readiness.campaign_id and m.role = 'player'
    order by r.user_id, r.cefr;
end;
$$;

comment on function app_private.campaign_readiness(uuid) is
'Readiness per player and CEFR level of a campaign, for its gms and moderators (else 42501).';

grant execute on function app_private.campaign_readiness(uuid) to authenticated, service_role;

create function public.campaign_readiness(campaign_id uuid)
returns table (
    user_id uuid, cefr text, lexemes integer, reviewed integer, mastered integer, due integer,
    ready boolean
)
language sql
stable
set search_path = ''
as $$
    select * from app_private.campaign_readiness(campaign_readiness.campaign_id)
$$;

comment on function public.campaign_readiness(uuid) is
'For the campaign''s gms: each player''s lexemes, reviewed, mastered and due per CEFR level of '
'the campaign''s content, and whether they are ready for it (mastered >= 80 %).';

grant execute on function public.campaign_readiness(uuid) to authenticated, service_role;

create function realtime.topic_readiness_campaign_id()
returns uuid
language sql
stable
set search_path = ''
as $$
    select case
        when realtime.topic() ~ '^readiness:[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$'
            then pg_catalog.substr(realtime.topic(), 11, 36)::uuid
    end
$$;

comment on function realtime.topic_readiness_campaign_id() is
'The campaign of a `readiness:<campaign id>` channel being authorized, else null.';

grant execute on function realtime.topic_readiness_campaign_id() to authenticated, service_role;

create policy "Game masters receive their campaign's readiness channel"
on realtime.messages for select to authenticated
using (
    topic = (select realtime.topic())
    and extension = 'broadcast'
    and (select app_private.is_campaign_gm((select realtime.topic_readiness_campaign_id())))
);
