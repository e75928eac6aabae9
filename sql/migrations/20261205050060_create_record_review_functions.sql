-- Purpose: how a review is recorded (issue 23). The dice service schedules with the fsrs package,
-- which Postgres cannot run, so recording takes two calls in one transaction:
--   1. app_private.review_context(learner, lexeme, challenge, source): authorizes the review,
--      locks and returns the current memory state, the player's settings, time zone and day
--      rollup, and the transaction's now();
--   2. app_private.record_review(...): appends the review log row with the state the service
--      computed, stores the state, rolls the day up and stores the streak/XP the service derived
--      (py_rules.learning) in learner_stats, whose trigger broadcasts it to the player.
-- Both are DEFINER (players have no write grants on these tables) and refuse to run outside the
-- dice service (app_private.is_dice_service()). Who may review: the player themself (an answer
-- to their challenge or practice) or a gm of the challenge's campaign (source gm).
-- Affected: functions app_private.review_campaign_id, app_private.review_context,
-- app_private.record_review, app_private.recompute_learner_days, app_private.is_mastered.

create function app_private.is_mastered(state smallint, stability double precision)
returns boolean
language sql
immutable
set search_path = ''
as $$
    select coalesce(state = 2 and stability >= 21, false)
$$;

comment on function app_private.is_mastered(smallint, double precision) is
'Mastered: in review with a stability of at least 21 days (docs/learning.md).';

grant execute on function app_private.is_mastered(smallint, double precision)
to authenticated, service_role;

-- DEFINER: the game master grading a player reads that player's challenge.
create function app_private.review_campaign_id(
    learner uuid, lexeme_id uuid, challenge_id uuid, source text
)
returns uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
    challenge public.learning_challenges;
begin
    if not app_private.is_dice_service() then
        raise sqlstate '42501' using message = 'reviews are recorded by the dice service only';
    end if;
    if review_campaign_id.challenge_id is null then
        if source <> 'practice' or learner is distinct from auth.uid() then
            raise sqlstate '42501' using message = 'players practise only for themselves';
        end if;
        return null;
    end if;
    select c.* into challenge from public.learning_challenges as c
    where c.id = review_campaign_id.challenge_id;
    if not found or challenge.user_id <> learner
        or not review_campaign_id.lexeme_id = any(challenge.lexeme_ids) then
        raise sqlstate '42501' using message = 'not a lexeme of this player''s challenge';
    end if;
    if source = 'answer' and learner = auth.uid() then
        return challenge.campaign_id;
    end if;
    if source = 'gm' and app_private.is_campaign_gm(challenge.campaign_id) then
        return challenge.campaign_id;
    end if;
    raise sqlstate '42501' using message = 'only the player answers and only a gm grades';
end;
$$;

comment on function app_private.review_campaign_id(uuid, uuid, uuid, text) is
'Dice service only: authorizes a review (42501 otherwise) and returns its campaign (or null).';

grant execute on function app_private.review_campaign_id(uuid, uuid, uuid, text)
to authenticated, service_role;

-- DEFINER: a gm grading reads the player's state, settings and profile time zone.
create function app_private.review_context(
    learner uuid, lexeme_id uuid, challenge_id uuid, source text
)
returns table (
    campaign_id uuid, now timestamptz, state smallint, step smallint,
    stability double precision, difficulty double precision, due timestamptz,
    last_review timestamptz, reps integer, lapses integer, daily_goal_xp integer,
    desired_retention double precision, fsrs_parameters double precision[], time_zone text,
    days jsonb
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
        p.time_zone,
        (
            select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                'day', d.day, 'time_zone', d.time_zone, 'first_at', d.first_at,
                'last_at', d.last_at, 'xp', d.xp
            ) order by d.day), '[]'::jsonb)
            from app_private.learner_days as d where d.user_id = learner
        )
    from public.profiles as p
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

-- DEFINER: players have no write grants on review states, logs, rollups or stats.
create function app_private.record_review(review jsonb, stats jsonb)
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
    log_id bigint;
begin
    select app_private.is_mastered(rs.state, rs.stability) into was_mastered
    from public.review_states as rs where rs.user_id = learner and rs.lexeme_id = lexeme;
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
        daily_goal_xp, goal_met_today, streak_days, streak_freezes, frozen_days
    ) values (
        learner,
        (
            select pg_catalog.count(*) from public.review_states as rs
            where rs.user_id = learner and rs.due <= reviewed
        ),
        (select pg_catalog.count(*) from public.review_states as rs where rs.user_id = learner),
        coalesce(
            (
                select pg_catalog.sum(d.xp) from app_private.learner_days as d
                where d.user_id = learner
            ),
            0
        ),
        (reviewed at time zone zone)::date, zone, (stats ->> 'xp_today')::integer,
        (stats ->> 'daily_goal_xp')::integer, (stats ->> 'goal_met_today')::boolean,
        (stats ->> 'streak_days')::integer, (stats ->> 'streak_freezes')::integer,
        array(select pg_catalog.jsonb_array_elements_text(stats -> 'frozen_days'))::date[]
    )
    on conflict (user_id) do update
    set due_count = excluded.due_count, reviewed_count = excluded.reviewed_count,
        xp_total = excluded.xp_total, local_day = excluded.local_day,
        time_zone = excluded.time_zone, xp_today = excluded.xp_today,
        daily_goal_xp = excluded.daily_goal_xp, goal_met_today = excluded.goal_met_today,
        streak_days = excluded.streak_days, streak_freezes = excluded.streak_freezes,
        frozen_days = excluded.frozen_days, updated_at = reviewed;
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

comment on function app_private.record_review(jsonb, jsonb) is
'Dice service only: appends a review with the state the fsrs package computed, stores it, rolls '
'up the day and stores the derived streak/XP (broadcast to the player; readiness changes to the '
'campaign''s gms). review: user_id, lexeme_id, challenge_id, source, rating, answer, xp, '
'review_duration_ms, state, step, stability, difficulty, due, reps, lapses.';

grant execute on function app_private.record_review(jsonb, jsonb) to authenticated, service_role;

create function app_private.recompute_learner_days(learner uuid)
returns integer
language plpgsql
volatile
set search_path = ''
as $$
declare
    written integer;
begin
    delete from app_private.learner_days as d where d.user_id = learner;
    insert into app_private.learner_days (user_id, day, time_zone, first_at, last_at, xp, reviews)
    select l.user_id, (l.reviewed_at at time zone l.time_zone)::date, l.time_zone,
        pg_catalog.min(l.reviewed_at), pg_catalog.max(l.reviewed_at), pg_catalog.sum(l.xp),
        pg_catalog.count(*)
    from public.review_logs as l where l.user_id = learner
    group by 1, 2, 3;
    get diagnostics written = row_count;
    return written;
end;
$$;

comment on function app_private.recompute_learner_days(uuid) is
'Rebuilds a player''s day rollup from review_logs (service_role; audits and repairs).';

grant execute on function app_private.recompute_learner_days(uuid) to service_role;
