-- The learning loop's tables and functions (issue 23) as every actor: review states, the
-- append-only review log, learner stats and settings, challenges, opt-in leaderboards, readiness
-- for game masters (aggregates only) and the draw that prefers due lexemes.

begin;
set local search_path = public, extensions, tests;
select plan(33);

-- Arrange (as the superuser). gm runs c1 (Spanish, pinned to v1 of a pack with perro and gato at
-- A1, tener at A2) with player and player2; other plays elsewhere; admin holds the admin role.
insert into auth.users (id, email)
select
    md5(u)::uuid as id,
    u || '@pgtap.test' as email
from unnest(array['gm', 'player', 'player2', 'other', 'admin']) as u;
insert into app_private.user_roles (user_id, role) values (md5('admin')::uuid, 'admin');
insert into public.campaigns (id, owner_id, name, target_language, visibility) values
(md5('c1')::uuid, md5('gm')::uuid, 'Private campaign', 'es', 'private'),
(md5('c2')::uuid, md5('other')::uuid, 'Other campaign', 'es', 'private');
insert into public.campaign_members (campaign_id, user_id, role) values
(md5('c1')::uuid, md5('player')::uuid, 'player'),
(md5('c1')::uuid, md5('player2')::uuid, 'player');
insert into public.content_packs (id, slug, learning_language) values
(md5('pack')::uuid, 'pgtap-learning', 'es');
insert into public.lexemes (id, learning_language, lemma, part_of_speech, cefr, published_at)
values
(md5('perro')::uuid, 'es', 'perro', 'noun', 'A1', now()),
(md5('gato')::uuid, 'es', 'gato', 'noun', 'A1', now()),
(md5('tener')::uuid, 'es', 'tener', 'verb', 'A2', now());
insert into public.decks (id, pack_id, learning_language, published_at) values
(md5('deck')::uuid, md5('pack')::uuid, 'es', now());
insert into public.deck_lexemes (deck_id, lexeme_id)
select
    md5('deck')::uuid as deck_id,
    md5(w)::uuid as lexeme_id
from unnest(array['perro', 'gato', 'tener']) as w;
select app_private.snapshot_content_pack(md5('pack')::uuid) as version;
insert into public.campaign_content_packs (campaign_id, pack_version_id)
select
    md5('c1')::uuid as campaign_id,
    v.id as pack_version_id
from public.content_pack_versions as v
where v.pack_id = md5('pack')::uuid;

-- A review as the dice service records it (state as the fsrs package computed it).
create function pg_temp.review(learner text, lexeme text, source text, due interval)
returns bigint
language sql
as $$
    select app_private.record_review(
        json_build_object(
            'user_id', md5(learner)::uuid, 'lexeme_id', md5(lexeme)::uuid,
            'challenge_id', current_setting('test.challenge')::uuid, 'source', source, 'rating', 3,
            'answer', lexeme, 'xp', 10, 'state', 2, 'step', null, 'stability', 30.0,
            'difficulty', 5.0, 'due', now() + due, 'reps', 1, 'lapses', 0
        )::jsonb,
        '{"xp_today": 10, "daily_goal_xp": 30, "goal_met_today": false, "streak_days": 0,
          "streak_freezes": 0, "frozen_days": []}'::jsonb
    )
$$;

grant execute on function pg_temp.review(text, text, text, interval) to authenticated;

-- ============================================================================ anon
select tests.act_as('anon');
select throws_ok($$ select * from public.review_states $$, '42501', null, 'anon: no states');
select throws_ok($$ select * from public.review_logs $$, '42501', null, 'anon: no review logs');
select throws_ok(
    $$ select * from public.campaign_readiness(md5('c1')::uuid) $$, '42501', null,
    'anon: no readiness'
);

-- ============================================================================ player
select tests.act_as('player');
select set_config('test.challenge', gen_random_uuid()::text, false);
select throws_ok(
    $$ insert into public.learning_challenges (campaign_id, user_id, lexeme_ids)
       values (md5('c1')::uuid, md5('player')::uuid, array[md5('perro')::uuid]) $$,
    '42501', null, 'player: only the dice service draws a challenge'
);
select throws_ok(
    $$ select pg_temp.review('player', 'perro', 'answer', '-1 day') $$, '42501', null,
    'player: reviews are recorded by the dice service only'
);
select set_config('app.roll_source', 'dice-service', true);
with challenge as (
    insert into public.learning_challenges (campaign_id, user_id, cefr, lexeme_ids) values (
        md5('c1')::uuid, md5('player')::uuid, 'A1', array[md5('perro')::uuid, md5('gato')::uuid]
    )
    returning id
)

select set_config('test.challenge', challenge.id::text, false) from challenge;
select is(
    (select count(*)::integer from app_private.review_context(
        md5('player')::uuid, md5('perro')::uuid, current_setting('test.challenge')::uuid, 'answer'
    )),
    1, 'player: the dice service reads the context of an answer to their challenge'
);
select isnt(pg_temp.review('player', 'perro', 'answer', '-1 day'), null, 'player: answer recorded');
select is(
    (select count(*)::integer from public.review_states), 1, 'player: reads their review state'
);
select is((select count(*)::integer from public.review_logs), 1, 'player: reads their review log');
select is(
    (select xp_today from public.learner_stats), 10, 'player: reads their stats (xp today)'
);
select is(
    (select due_count from public.learner_stats), 1, 'player: the overdue lexeme counts as due'
);
select throws_ok(
    $$ select pg_temp.review('player', 'gato', 'gm', '1 day') $$, '42501', null,
    'player: a player cannot grade as gm'
);
select throws_ok(
    $$ insert into public.review_logs (user_id, lexeme_id, rating, source, xp, time_zone, due)
       values (md5('player')::uuid, md5('gato')::uuid, 4, 'practice', 99, 'UTC', now()) $$,
    '42501', null, 'player: cannot write the review log directly'
);
select throws_ok(
    $$ update public.review_states set due = now() + interval '1 year' $$, '42501', null,
    'player: cannot reschedule their states'
);
select is(
    (select d.lemma from public.draw_challenge_lexemes(md5('c1')::uuid, 'A1', 1) as d),
    'perro', 'player: the draw prefers the due lexeme'
);
select throws_ok(
    $$ select * from public.campaign_readiness(md5('c1')::uuid) $$, '42501', null,
    'player: readiness is for game masters'
);
insert into public.leaderboard_opt_ins (campaign_id) values (md5('c1')::uuid);
select is(
    (select streak_days from public.campaign_leaderboard(md5('c1')::uuid)), 0,
    'player: opted in, they are on the leaderboard'
);

-- ============================================================================ another player
select tests.act_as('player2');
select is(
    (select count(*)::integer from public.review_states)
    + (select count(*)::integer from public.review_logs)
    + (select count(*)::integer from public.learner_stats)
    + (select count(*)::integer from public.learning_challenges),
    0, 'another player: sees no one else''s states, logs, stats or challenges'
);
select throws_ok(
    $$ select pg_temp.review('player', 'gato', 'answer', '1 day') $$, '42501', null,
    'another player: cannot answer someone else''s challenge'
);
select is(
    (
        select d.lemma from public.draw_challenge_lexemes(md5('c1')::uuid, 'A1', 2) as d
        order by d.lemma limit 1
    ),
    'gato', 'another player: draws from the same content'
);
select throws_ok(
    $$ insert into public.leaderboard_opt_ins (campaign_id, user_id)
       values (md5('c1')::uuid, md5('player')::uuid) $$,
    '42501', null, 'another player: cannot opt someone else in'
);
select is(
    (select count(*)::integer from public.campaign_leaderboard(md5('c1')::uuid)), 1,
    'another player: sees the opted-in member on the leaderboard'
);

-- ============================================================================ game master
select tests.act_as('gm');
select is(
    (select count(*)::integer from public.review_states)
    + (select count(*)::integer from public.review_logs),
    0, 'gm: no raw states or logs of players'
);
select is(
    (select count(*)::integer from public.learning_challenges), 1, 'gm: reads the challenge'
);
select is(
    (
        select r.reviewed || '/' || r.mastered || '/' || r.lexemes
        from public.campaign_readiness(md5('c1')::uuid) as r
        where r.user_id = md5('player')::uuid and r.cefr = 'A1'
    ),
    '1/1/2', 'gm: readiness aggregates per player and level'
);
select is(
    (select count(*)::integer from public.campaign_readiness(md5('c1')::uuid)), 4,
    'gm: two players times two levels'
);
select isnt(pg_temp.review('player', 'gato', 'gm', '1 day'), null, 'gm: grades the challenge');
select is(
    (
        select count(*)::integer from realtime.messages
        where topic = 'readiness:' || md5('c1')::uuid and event = 'readiness'
    ),
    2, 'gm: each newly mastered lexeme is broadcast on the readiness channel'
);
select tests.act_as('other');
select throws_ok(
    $$ select * from public.campaign_readiness(md5('c1')::uuid) $$, '42501', null,
    'a gm of another campaign: no readiness'
);

-- ============================================================================ admin
select tests.act_as('admin');
select is(
    (select count(*)::integer from public.review_states), 2, 'admin: reads every review state'
);
select is(
    (select count(*)::integer from public.campaign_readiness(md5('c1')::uuid)), 4,
    'admin: reads readiness'
);

-- ============================================================================ structure
reset role;
select throws_ok(
    $$ update public.review_logs set xp = 0 $$, '42501', null, 'review logs are append-only'
);
select is(
    (
        select count(*)::integer from realtime.messages
        where topic = 'learner:' || md5('player')::uuid and event in ('insert', 'update')
    ),
    2, 'each stats change is broadcast on the player''s learner channel'
);

select finish();
rollback;
