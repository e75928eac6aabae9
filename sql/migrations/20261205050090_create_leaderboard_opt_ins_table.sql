-- Purpose: opt-in leaderboards per campaign (issue 23): a member who opts in shows their streak
-- and the XP of their last 7 local days to the campaign's other members.
-- Affected: table public.leaderboard_opt_ins (grants, RLS, policies, indexes); functions
-- app_private.campaign_leaderboard, public.campaign_leaderboard.

create table public.leaderboard_opt_ins (
    campaign_id uuid not null references public.campaigns (id) on delete cascade,
    user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
    created_at timestamptz not null default now(),
    primary key (campaign_id, user_id)
);

comment on table public.leaderboard_opt_ins is
'Members who show their streak and weekly XP on their campaign''s leaderboard.';
comment on column public.leaderboard_opt_ins.campaign_id is 'The campaign.';
comment on column public.leaderboard_opt_ins.user_id is 'The member who opted in.';
comment on column public.leaderboard_opt_ins.created_at is 'When they opted in.';

grant select, delete on table public.leaderboard_opt_ins to authenticated;
grant insert (campaign_id, user_id) on table public.leaderboard_opt_ins to authenticated;
grant all on table public.leaderboard_opt_ins to service_role;

alter table public.leaderboard_opt_ins enable row level security;

create policy "Members read their campaign's opt-ins"
on public.leaderboard_opt_ins for select to authenticated
using (
    campaign_id in (select app_private.my_campaign_ids())
    or (select app_private.has_permission('campaign.moderate'))
);

create policy "Members opt themselves in"
on public.leaderboard_opt_ins for insert to authenticated
with check (
    user_id = (select auth.uid()) and campaign_id in (select app_private.my_campaign_ids())
);

create policy "Members opt themselves out"
on public.leaderboard_opt_ins for delete to authenticated
using (user_id = (select auth.uid()));

create index leaderboard_opt_ins_user_id_idx on public.leaderboard_opt_ins (user_id);

-- DEFINER: members see opted-in members' totals, not their stats rows or logs.
create function app_private.campaign_leaderboard(campaign_id uuid)
returns table (user_id uuid, display_name text, streak_days integer, xp_7d integer)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
    if not (
        app_private.is_campaign_member(campaign_leaderboard.campaign_id)
        or app_private.has_permission('campaign.moderate')
    ) then
        raise sqlstate '42501' using message = 'only members read a campaign''s leaderboard';
    end if;
    return query
    select o.user_id, p.display_name, coalesce(s.streak_days, 0),
        coalesce((
            select pg_catalog.sum(d.xp)::integer from app_private.learner_days as d
            where d.user_id = o.user_id
                and d.day > (pg_catalog.now() at time zone p.time_zone)::date - 7
        ), 0) as xp_7d
    from public.leaderboard_opt_ins as o
    inner join public.campaign_members as m
        on m.campaign_id = o.campaign_id and m.user_id = o.user_id
    inner join public.profiles as p on p.id = o.user_id
    left join public.learner_stats as s on s.user_id = o.user_id
    where o.campaign_id = campaign_leaderboard.campaign_id
    order by 4 desc, 3 desc, 2;
end;
$$;

comment on function app_private.campaign_leaderboard(uuid) is
'Opted-in members of a campaign with streak and last-7-days XP (members and moderators).';

grant execute on function app_private.campaign_leaderboard(uuid) to authenticated, service_role;

create function public.campaign_leaderboard(campaign_id uuid)
returns table (user_id uuid, display_name text, streak_days integer, xp_7d integer)
language sql
stable
set search_path = ''
as $$
    select * from app_private.campaign_leaderboard(campaign_leaderboard.campaign_id)
$$;

comment on function public.campaign_leaderboard(uuid) is
'The campaign''s leaderboard: opted-in members by XP of their last 7 local days, then streak.';

grant execute on function public.campaign_leaderboard(uuid) to authenticated, service_role;
