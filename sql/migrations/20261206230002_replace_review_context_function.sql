-- Purpose: recording a review within its budget at p99 (issue 23: < 5 ms server time): the
-- review context returns the player's day rollup as four arrays instead of a jsonb array of
-- objects. Building a jsonb object per day and printing its two timestamps as text was the
-- largest single cost of a review (~1 ms of ~3.4 for a player with a year of days; the arrays
-- take ~0.25 ms and psycopg reads them in C).
-- Affected: function app_private.review_context(uuid, uuid, uuid, text) (dropped and created
-- again: its result columns change from `days jsonb` to day_zones, day_first_at, day_last_at and
-- day_xp; grants and comment as before). The dice service of the same commit reads the new
-- columns.

-- lint: allow ban-drop-function — only the dice service calls it (app_private is not exposed),
-- and it ships with this migration; a dice service of before would get 42703 until restarted.
drop function app_private.review_context(uuid, uuid, uuid, text);

-- DEFINER: a gm grading reads the player's state, settings and profile time zone.
create function app_private.review_context(
    learner uuid, lexeme_id uuid, challenge_id uuid, source text
)
returns table (
    campaign_id uuid, now timestamptz, state smallint, step smallint,
    stability double precision, difficulty double precision, due timestamptz,
    last_review timestamptz, reps integer, lapses integer, daily_goal_xp integer,
    desired_retention double precision, fsrs_parameters double precision[], time_zone text,
    day_zones text[], day_first_at timestamptz[], day_last_at timestamptz[], day_xp integer[]
)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    review_campaign uuid := app_private.review_campaign_id(
        learner, lexeme_id, challenge_id, source
    );
begin
    -- One review of a player at a time: their state and day rollup change together.
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('review:' || learner::text));
    return query
    select review_campaign, pg_catalog.now(), rs.state, rs.step, rs.stability, rs.difficulty,
        rs.due, rs.last_review, coalesce(rs.reps, 0), coalesce(rs.lapses, 0),
        coalesce(ls.daily_goal_xp, 30), coalesce(ls.desired_retention, 0.9), ls.fsrs_parameters,
        p.time_zone, days.zones, days.first_at, days.last_at, days.xp
    from public.profiles as p
    cross join lateral (
        select
            coalesce(pg_catalog.array_agg(d.time_zone order by d.day), '{}') as zones,
            coalesce(pg_catalog.array_agg(d.first_at order by d.day), '{}') as first_at,
            coalesce(pg_catalog.array_agg(d.last_at order by d.day), '{}') as last_at,
            coalesce(pg_catalog.array_agg(d.xp order by d.day), '{}') as xp
        from app_private.learner_days as d where d.user_id = learner
    ) as days
    left join public.review_states as rs
        on rs.user_id = p.id and rs.lexeme_id = review_context.lexeme_id
    left join public.learner_settings as ls on ls.user_id = p.id
    where p.id = learner;
end;
$$;

comment on function app_private.review_context(uuid, uuid, uuid, text) is
'Dice service only: authorizes a review, serializes the player''s reviews and returns what '
'scheduling and the streak rules need.';

grant execute on function app_private.review_context(uuid, uuid, uuid, text)
to authenticated, service_role;
