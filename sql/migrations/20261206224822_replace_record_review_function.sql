-- Purpose: recording a review within its budget at p99 too (issue 23: < 5 ms server time) and
-- keeping learner_stats.next_due_at for the due-count job: the due count is carried forward
-- from the previous row (the states that fell due since it, minus this lexeme if it was due,
-- plus it if it is due again) instead of being recounted over every due state of the player
-- on each review (1,000 due states cost a thousand index entries per review); it is counted in
-- full for a first row or one marked -infinity. next_due_at is the first due after now (one
-- probe of the (user_id, due) index).
-- Affected: function app_private.record_review(jsonb, jsonb) (same signature; grants and comment
-- kept).
-- Exact while only this function and app_private.refresh_due_counts change the count, both
-- under the player's review lock; a state removed otherwise (a lexeme deleted) is corrected by
-- the next full count of that job.

create or replace function app_private.record_review(review jsonb, stats jsonb)
returns bigint
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    learner uuid := (review ->> 'user_id')::uuid;
    lexeme uuid := (review ->> 'lexeme_id')::uuid;
    challenge uuid := (review ->> 'challenge_id')::uuid;
    review_campaign uuid := app_private.review_campaign_id(
        learner, lexeme, challenge, review ->> 'source'
    );
    zone text := (select p.time_zone from public.profiles as p where p.id = learner);
    reviewed timestamptz := pg_catalog.now();
    was_mastered boolean;
    was_reviewed boolean := false;
    old_due timestamptz;
    new_due timestamptz := (review ->> 'due')::timestamptz;
    due_now integer;
    -- The instant the count is as of: now, or the previous row's if a due-count job run that
    -- started after this transaction wrote it (it never runs under the review lock).
    as_of timestamptz;
    previous public.learner_stats;
    log_id bigint;
begin
    select app_private.is_mastered(rs.state, rs.stability), true, rs.due
    into was_mastered, was_reviewed, old_due
    from public.review_states as rs where rs.user_id = learner and rs.lexeme_id = lexeme;
    select s.* into previous from public.learner_stats as s where s.user_id = learner;
    as_of := greatest(reviewed, previous.updated_at);
    -- Before this lexeme's state changes: the count as of the previous row, plus what fell due
    -- since (this lexeme included if it did), minus this lexeme if it was due.
    if previous.user_id is not null and previous.next_due_at > '-infinity' then
        due_now := previous.due_count + (
            select pg_catalog.count(*)::integer from public.review_states as rs
            where
                rs.user_id = learner and rs.due > previous.updated_at and rs.due <= as_of
        ) - coalesce((old_due <= as_of)::integer, 0);
    end if;
    insert into public.review_logs (
        user_id, lexeme_id, rating, source, campaign_id, challenge_id, graded_by, answer, xp,
        time_zone, reviewed_at, review_duration_ms, stability, difficulty, due
    ) values (
        learner, lexeme, (review ->> 'rating')::smallint, review ->> 'source', review_campaign,
        challenge, auth.uid(), review ->> 'answer', (review ->> 'xp')::smallint, zone, reviewed,
        (review ->> 'review_duration_ms')::integer, (review ->> 'stability')::double precision,
        (review ->> 'difficulty')::double precision, (review ->> 'due')::timestamptz
    ) returning id into log_id;
    insert into public.review_states as rs (
        user_id, lexeme_id, state, step, stability, difficulty, due, last_review, reps, lapses
    ) values (
        learner, lexeme, (review ->> 'state')::smallint, (review ->> 'step')::smallint,
        (review ->> 'stability')::double precision, (review ->> 'difficulty')::double precision,
        (review ->> 'due')::timestamptz, reviewed, (review ->> 'reps')::integer,
        (review ->> 'lapses')::integer
    )
    on conflict (user_id, lexeme_id) do update
    set state = excluded.state, step = excluded.step, stability = excluded.stability,
        difficulty = excluded.difficulty, due = excluded.due, last_review = excluded.last_review,
        reps = excluded.reps, lapses = excluded.lapses, updated_at = reviewed;
    insert into app_private.learner_days as d (
        user_id, day, time_zone, first_at, last_at, xp, reviews
    ) values (
        learner, (reviewed at time zone zone)::date, zone, reviewed, reviewed,
        (review ->> 'xp')::integer, 1
    )
    on conflict (user_id, day, time_zone) do update
    set last_at = excluded.last_at, xp = d.xp + excluded.xp, reviews = d.reviews + 1;
    insert into public.learner_stats as s (
        user_id, due_count, reviewed_count, xp_total, local_day, time_zone, xp_today,
        daily_goal_xp, goal_met_today, streak_days, streak_freezes, frozen_days, next_due_at
    ) values (
        learner,
        coalesce(
            due_now + (new_due <= as_of)::integer,
            (
                select pg_catalog.count(*) from public.review_states as rs
                where rs.user_id = learner and rs.due <= reviewed
            )
        ),
        -- Counted once, then kept up incrementally (a count over the player's states cost
        -- milliseconds per review with 20,000 of them).
        case when previous.user_id is null
            then (
                select pg_catalog.count(*) from public.review_states as rs
                where rs.user_id = learner
            )
            else previous.reviewed_count + (not coalesce(was_reviewed, false))::integer
        end,
        case when previous.user_id is null
            then coalesce(
                (
                    select pg_catalog.sum(d.xp) from app_private.learner_days as d
                    where d.user_id = learner
                ),
                0
            )
            else previous.xp_total + (review ->> 'xp')::integer
        end,
        (reviewed at time zone zone)::date, zone, (stats ->> 'xp_today')::integer,
        (stats ->> 'daily_goal_xp')::integer, (stats ->> 'goal_met_today')::boolean,
        (stats ->> 'streak_days')::integer, (stats ->> 'streak_freezes')::integer,
        array(select pg_catalog.jsonb_array_elements_text(stats -> 'frozen_days'))::date[],
        coalesce(
            (
                select pg_catalog.min(rs.due) from public.review_states as rs
                where rs.user_id = learner and rs.due > as_of
            ),
            'infinity'
        )
    )
    on conflict (user_id) do update
    set due_count = excluded.due_count, reviewed_count = excluded.reviewed_count,
        xp_total = excluded.xp_total, local_day = excluded.local_day,
        time_zone = excluded.time_zone, xp_today = excluded.xp_today,
        daily_goal_xp = excluded.daily_goal_xp, goal_met_today = excluded.goal_met_today,
        streak_days = excluded.streak_days, streak_freezes = excluded.streak_freezes,
        frozen_days = excluded.frozen_days, next_due_at = excluded.next_due_at,
        updated_at = as_of;
    if review_campaign is not null
        and coalesce(was_mastered, false) <> app_private.is_mastered(
            (review ->> 'state')::smallint, (review ->> 'stability')::double precision
        ) then
        perform realtime.send(
            pg_catalog.to_jsonb(r) || pg_catalog.jsonb_build_object('campaign_id', review_campaign),
            'readiness', 'readiness:' || review_campaign::text, true
        )
        from app_private.member_readiness(review_campaign, learner) as r
        where r.cefr = (select l.cefr from public.lexemes as l where l.id = lexeme);
    end if;
    return log_id;
end;
$$;
