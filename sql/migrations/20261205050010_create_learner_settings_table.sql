-- Purpose: per-player learning settings: the daily XP goal, the desired retention and the FSRS
-- parameters the scheduler uses for this player (issue 23).
-- Affected: table public.learner_settings (grants, RLS, policies).
-- A player reads and edits their own row (goal, retention); the FSRS parameters are written only
-- by service_role (the optimizer job, a follow-up: see docs/learning.md). A row is optional: the
-- dice service falls back to the defaults (goal 30 XP, retention 0.9, the package's parameters).

create table public.learner_settings (
    user_id uuid primary key default auth.uid() references auth.users (id) on delete cascade,
    daily_goal_xp integer not null default 30,
    desired_retention double precision not null default 0.9,
    fsrs_parameters double precision[],
    parameters_optimized_at timestamptz,
    updated_at timestamptz not null default now(),
    constraint learner_settings_daily_goal_check check (daily_goal_xp between 1 and 1000),
    constraint learner_settings_retention_check check (desired_retention between 0.7 and 0.99),
    constraint learner_settings_parameters_check check (
        fsrs_parameters is null or pg_catalog.cardinality(fsrs_parameters) = 21
    )
);

comment on table public.learner_settings is
'A player''s learning settings: daily goal, desired retention and FSRS parameters.';
comment on column public.learner_settings.user_id is 'The player.';
comment on column public.learner_settings.daily_goal_xp is
'XP a streak day needs (1-1000; default 30).';
comment on column public.learner_settings.desired_retention is
'Retrievability at which reviews fall due (0.7-0.99; default 0.9).';
comment on column public.learner_settings.fsrs_parameters is
'The 21 FSRS-6 weights for this player (null: the fsrs package''s defaults).';
comment on column public.learner_settings.parameters_optimized_at is
'When fsrs_parameters were last fitted to this player''s review log.';
comment on column public.learner_settings.updated_at is 'Last change.';

grant select on table public.learner_settings to authenticated;
grant insert (user_id, daily_goal_xp, desired_retention) on table public.learner_settings
to authenticated;
grant update (daily_goal_xp, desired_retention) on table public.learner_settings
to authenticated;
grant all on table public.learner_settings to service_role;

alter table public.learner_settings enable row level security;

create policy "Players and moderators read learner settings"
on public.learner_settings for select to authenticated
using (user_id = (select auth.uid()) or (select app_private.has_permission('campaign.moderate')));

create policy "Players create their own learner settings"
on public.learner_settings for insert to authenticated
with check (user_id = (select auth.uid()));

create policy "Players edit their own learner settings"
on public.learner_settings for update to authenticated
using (user_id = (select auth.uid()))
with check (user_id = (select auth.uid()));
