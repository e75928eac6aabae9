-- Purpose: each player's daily-loop state (issue 23): due count, XP, today's progress, streak and
-- freezes, pushed to them on their private realtime channel `learner:<user id>`.
-- Affected: table public.learner_stats (grants, RLS, policies, broadcast trigger); function
-- realtime.topic_learner_id(); policy on realtime.messages.
-- The dice service derives streak and XP from the review log (py_rules.learning) after each
-- review and stores them here through app_private.record_review; nothing else writes the table.
-- Each change is broadcast (event `update`, reserved for the database) on `learner:<user id>`,
-- which only that player may join; clients cannot send on it (no insert policy matches).

create table public.learner_stats (
    user_id uuid primary key references auth.users (id) on delete cascade,
    due_count integer not null default 0,
    reviewed_count integer not null default 0,
    xp_total integer not null default 0,
    local_day date not null,
    time_zone text not null,
    xp_today integer not null default 0,
    daily_goal_xp integer not null,
    goal_met_today boolean not null default false,
    streak_days integer not null default 0,
    streak_freezes integer not null default 0,
    frozen_days date[] not null default '{}',
    updated_at timestamptz not null default now()
);

comment on table public.learner_stats is
'A player''s due count, XP, daily goal progress, streak and freezes (derived from review_logs).';
comment on column public.learner_stats.user_id is 'The player.';
comment on column public.learner_stats.due_count is 'Reviews due when last updated.';
comment on column public.learner_stats.reviewed_count is 'Lexemes ever reviewed.';
comment on column public.learner_stats.xp_total is 'XP from every review.';
comment on column public.learner_stats.local_day is 'The player''s local day of the update.';
comment on column public.learner_stats.time_zone is 'The time zone of that day.';
comment on column public.learner_stats.xp_today is 'XP earned on local_day.';
comment on column public.learner_stats.daily_goal_xp is 'XP a streak day needs.';
comment on column public.learner_stats.goal_met_today is 'Whether local_day met the goal.';
comment on column public.learner_stats.streak_days is 'Current streak in goal days.';
comment on column public.learner_stats.streak_freezes is 'Freezes in store (earned, capped).';
comment on column public.learner_stats.frozen_days is 'Missed days the current streak froze.';
comment on column public.learner_stats.updated_at is 'Last change.';

grant select on table public.learner_stats to authenticated;
grant all on table public.learner_stats to service_role;

alter table public.learner_stats enable row level security;

create policy "Players and moderators read learner stats"
on public.learner_stats for select to authenticated
using (user_id = (select auth.uid()) or (select app_private.has_permission('campaign.moderate')));

create trigger learner_stats_broadcast
after insert or update on public.learner_stats
for each row
execute function realtime.broadcast_row_trigger('learner:', 'user_id');

create function realtime.topic_learner_id()
returns uuid
language sql
stable
set search_path = ''
as $$
    select case
        when realtime.topic() ~ '^learner:[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$'
            then pg_catalog.substr(realtime.topic(), 9, 36)::uuid
    end
$$;

comment on function realtime.topic_learner_id() is
'The player of a `learner:<user id>` channel being authorized, else null.';

grant execute on function realtime.topic_learner_id() to authenticated, service_role;

create policy "Players receive their own learner channel"
on realtime.messages for select to authenticated
using (
    topic = (select realtime.topic())
    and extension = 'broadcast'
    and (select realtime.topic_learner_id()) = (select auth.uid())
);
