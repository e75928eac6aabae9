-- Due counts (issue 23): record_review carries the count forward from the previous row and keeps
-- next_due_at; app_private.refresh_due_counts recounts the players whose next review fell due
-- as time passed (each change broadcast on learner:<id>), in bounded batches, and only them.

begin;
set local search_path = public, extensions, tests;
select plan(14);

insert into auth.users (id, email)
select
    md5(u)::uuid as id,
    u || '@pgtap.test' as email
from unnest(array['p', 'q']) as u;
insert into public.lexemes (id, learning_language, lemma, part_of_speech, cefr, published_at)
select
    md5(w)::uuid as id,
    'es' as learning_language,
    w as lemma,
    'noun' as part_of_speech,
    'A1' as cefr,
    now() as published_at
from unnest(array['l1', 'l2', 'l3', 'l4']) as w;
-- p already knows l1 (due a day ago), l2 (due in an hour) and l3 (due in two days).
insert into public.review_states (user_id, lexeme_id, state, stability, difficulty, due, reps)
select
    md5('p')::uuid as user_id,
    md5(s.w)::uuid as lexeme_id,
    2 as state,
    10 as stability,
    5 as difficulty,
    now() + s.due as due,
    1 as reps
from (values ('l1', interval '-1 day'), ('l2', '1 hour'), ('l3', '2 days')) as s (w, due);

-- A practice review of `lexeme` by `learner`, due again after `due`, as the dice service.
create function pg_temp.review(learner text, lexeme text, due interval)
returns bigint
language sql
as $$
    select tests.act_as(learner);
    select set_config('app.roll_source', 'dice-service', true);
    select app_private.record_review(
        json_build_object(
            'user_id', md5(learner)::uuid, 'lexeme_id', md5(lexeme)::uuid, 'source', 'practice',
            'rating', 3, 'xp', 5, 'state', 2, 'step', null, 'stability', 10.0,
            'difficulty', 5.0, 'due', now() + due, 'reps', 2, 'lapses', 0
        )::jsonb,
        '{"xp_today": 5, "daily_goal_xp": 30, "goal_met_today": false, "streak_days": 0,
          "streak_freezes": 0, "frozen_days": []}'::jsonb
    )
$$;

-- What the count should be: every due state of the learner, counted in full.
create function pg_temp.full_count(learner text)
returns integer
language sql
as $$
    select count(*)::integer from public.review_states
    where user_id = md5(learner)::uuid and due <= now()
$$;

-- Time passes: every instant of the learner's states and stats moves `by` into the past.
create function pg_temp.pass(learner text, by interval)
returns void
language sql
as $$
    update public.review_states set due = due - by where user_id = md5(learner)::uuid;
    update public.learner_stats set updated_at = updated_at - by, next_due_at = next_due_at - by
    where user_id = md5(learner)::uuid;
$$;

create function pg_temp.stats(learner text)
returns public.learner_stats
language sql
as $$ select * from public.learner_stats where user_id = md5(learner)::uuid $$;

create function pg_temp.broadcasts(learner text)
returns integer
language sql
as $$
    select count(*)::integer from realtime.messages where topic = 'learner:' || md5(learner)::uuid::text
$$;

select pg_temp.review('p', 'l4', '1 day');
reset role;
select is((pg_temp.stats('p')).due_count, 1, 'first review: counted in full (l1 is due)');
select is(
    (pg_temp.stats('p')).next_due_at,
    (
        select due from public.review_states
        where lexeme_id = md5('l2')::uuid
    ),
    'first review: the next due is l2''s'
);
select pg_temp.review('p', 'l1', '3 days');
reset role;
select is((pg_temp.stats('p')).due_count, 0, 'reviewing the due l1 carries the count down');
select is(app_private.refresh_due_counts(), 0, 'refresh: nothing fell due, nobody recounted');

select pg_temp.pass('p', '90 minutes');
select set_config('test.sent', pg_temp.broadcasts('p')::text, false);
select is(app_private.refresh_due_counts(), 1, 'refresh: l2 fell due, p is recounted');
select is((pg_temp.stats('p')).due_count, 1, 'refresh: the count follows time');
select is(
    pg_temp.broadcasts('p'), current_setting('test.sent')::integer + 1,
    'refresh: the change is broadcast on learner:<p>'
);
select is(
    (pg_temp.stats('p')).next_due_at,
    (
        select due from public.review_states
        where lexeme_id = md5('l4')::uuid
    ),
    'refresh: the next due is now l4''s'
);
select is(app_private.refresh_due_counts(), 0, 'refresh again: nothing changed, nothing sent');
select is(
    pg_temp.broadcasts('p'), current_setting('test.sent')::integer + 1,
    'refresh again: no broadcast'
);

select pg_temp.pass('p', '1 day');
select pg_temp.review('p', 'l3', '5 days');
reset role;
select is(
    (pg_temp.stats('p')).due_count, pg_temp.full_count('p'),
    'a review after time passed carries forward what fell due meanwhile (l2, l4)'
);

-- Bounded work: two players stale, one per run with a batch of 1.
select pg_temp.review('q', 'l1', '1 hour');
reset role;
select pg_temp.pass('q', '2 hours');
select pg_temp.pass('p', '10 days');
select is(app_private.refresh_due_counts(1), 1, 'batch of 1: one player per run');
select is(app_private.refresh_due_counts(1), 1, 'batch of 1: the other at the next run');
select ok(
    (pg_temp.stats('p')).due_count = pg_temp.full_count('p')
    and (pg_temp.stats('q')).due_count = pg_temp.full_count('q'),
    'both counts are exact'
);

select finish();
rollback;
