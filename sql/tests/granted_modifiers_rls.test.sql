-- RLS of public.granted_modifiers: the campaign's gm grants and withdraws; the character's owner
-- and the gm read; only a dice-service roll of the roller uses a grant up
-- (app_private.use_granted_modifiers).

begin;
set local search_path = public, extensions, tests;
select plan(25);

-- Arrange (as the superuser). Every row's id is md5(<label>)::uuid, so a label names it.
-- Users: gm runs c1 (private) with player, player2 and observer; gm2 runs c2 (public) with
-- other as player; admin holds the admin app role.
select set_config('app.roll_source', 'dice-service', true);
insert into auth.users (id, email)
select
    md5(u)::uuid as id,
    u || '@pgtap.test' as email
from unnest(array['gm', 'player', 'player2', 'other', 'observer', 'admin', 'gm2']) as u;
insert into app_private.user_roles (user_id, role) values (md5('admin')::uuid, 'admin');
insert into public.campaigns (id, owner_id, name, target_language, visibility) values
(md5('c1')::uuid, md5('gm')::uuid, 'Private campaign', 'es', 'private'),
(md5('c2')::uuid, md5('gm2')::uuid, 'Public campaign', 'ja', 'public');
insert into public.campaign_members (campaign_id, user_id, role) values
(md5('c1')::uuid, md5('player')::uuid, 'player'),
(md5('c1')::uuid, md5('player2')::uuid, 'player'),
(md5('c1')::uuid, md5('observer')::uuid, 'observer'),
(md5('c2')::uuid, md5('other')::uuid, 'player');
insert into public.characters (id, campaign_id, owner_id, name) values
(md5('ch_player')::uuid, md5('c1')::uuid, md5('player')::uuid, 'Rosa'),
(md5('ch_player2')::uuid, md5('c1')::uuid, md5('player2')::uuid, 'Pepe'),
(md5('ch_other')::uuid, md5('c2')::uuid, md5('other')::uuid, 'Haruka');
insert into public.granted_modifiers (id, character_id, granted_by, amount, type, reason) values
(md5('g_player')::uuid, md5('ch_player')::uuid, md5('gm')::uuid, 2, 'circumstance', 'Map'),
(md5('g_player2')::uuid, md5('ch_player2')::uuid, md5('gm')::uuid, 1, null, 'Song'),
(md5('g_other')::uuid, md5('ch_other')::uuid, md5('gm2')::uuid, 2, 'status', 'Tea');
insert into public.dice_rolls (
    id, campaign_id, roller_id, character_id, expression, total, server_seed_hash, client_seed,
    nonce
) values
(
    md5('r_player')::uuid, md5('c1')::uuid, md5('player')::uuid, md5('ch_player')::uuid,
    '1d20 + 2', 9, repeat('e', 64), 'x', 0
),
(
    md5('r_player2')::uuid, md5('c1')::uuid, md5('player2')::uuid, md5('ch_player2')::uuid,
    '1d20 + 1', 9, repeat('e', 64), 'x', 1
);
select set_config('app.roll_source', '', true);

-- ============================================================================ structure
select policies_are(
    'public', 'granted_modifiers',
    array[
        'Owners, game masters and moderators read granted modifiers',
        'Game masters grant modifiers in live campaigns',
        'Game masters withdraw unused modifiers in live campaigns'
    ],
    'granted_modifiers has exactly its policies'
);
select ok(
    (
        select c.relrowsecurity from pg_class as c
        where c.oid = 'public.granted_modifiers'::regclass
    ),
    'RLS is enabled on granted_modifiers'
);
select ok(
    not has_table_privilege('authenticated', 'public.granted_modifiers', 'update'),
    'nobody updates a grant through the API'
);

-- ============================================================================ anon
select tests.act_as('anon');
select throws_ok(
    $$ select tests.visible('granted_modifiers', array['g_other']) $$,
    '42501', null, 'anon reads no grants, not even in a public campaign'
);

-- ============================================================================ player
select tests.act_as('player');
select is(
    tests.visible('granted_modifiers', array['g_player', 'g_player2', 'g_other']),
    array['g_player'],
    'a player reads only their characters'' grants'
);
select throws_ok(
    $$ insert into public.granted_modifiers (character_id, amount, reason)
       values (md5('ch_player')::uuid, 10, 'I deserve it') $$,
    '42501', null, 'a player cannot grant themselves a modifier'
);
select throws_ok(
    $$ update public.granted_modifiers set amount = 20 where id = md5('g_player')::uuid $$,
    '42501', null, 'a player cannot raise a grant'
);
select is(
    tests.affected($$ delete from public.granted_modifiers where id = md5('g_player')::uuid $$),
    0, 'a player cannot drop a grant'
);
select throws_ok(
    $$ select app_private.use_granted_modifiers(
           md5('r_player')::uuid, array[md5('g_player')::uuid]
       ) $$,
    '42501', null, 'outside the dice service nobody uses a grant up'
);
select set_config('app.roll_source', 'dice-service', true);
select throws_ok(
    $$ select app_private.use_granted_modifiers(
           md5('r_player')::uuid, array[md5('g_player2')::uuid]
       ) $$,
    'PT409', null, 'a roll cannot use another character''s grant'
);
select throws_ok(
    $$ select app_private.use_granted_modifiers(
           md5('r_player2')::uuid, array[md5('g_player2')::uuid]
       ) $$,
    '42501', null, 'a roller cannot use grants through someone else''s roll'
);
select is(
    app_private.use_granted_modifiers(md5('r_player')::uuid, array[md5('g_player')::uuid]),
    1, 'the dice service uses a single-use grant up with the roller''s roll'
);
select is(
    (
        select used_by_roll_id from public.granted_modifiers
        where id = md5('g_player')::uuid
    ),
    md5('r_player')::uuid, 'the grant records the roll that used it'
);
select throws_ok(
    $$ select app_private.use_granted_modifiers(
           md5('r_player')::uuid, array[md5('g_player')::uuid]
       ) $$,
    'PT409', null, 'a used grant cannot be used again'
);
select set_config('app.roll_source', '', true);

-- ============================================================================ another player
select tests.act_as('player2');
select is(
    tests.visible('granted_modifiers', array['g_player', 'g_player2', 'g_other']),
    array['g_player2'],
    'another player of the campaign does not read a fellow player''s grants'
);
select tests.act_as('other');
select is(
    tests.visible('granted_modifiers', array['g_player', 'g_player2', 'g_other']),
    array['g_other'],
    'a player of another campaign reads only their own grants'
);
select tests.act_as('observer');
select is(
    tests.visible('granted_modifiers', array['g_player', 'g_player2', 'g_other']),
    '{}'::text[],
    'an observer reads no grants'
);

-- ============================================================================ game master
select tests.act_as('gm');
select is(
    tests.visible('granted_modifiers', array['g_player', 'g_player2', 'g_other']),
    array['g_player', 'g_player2'],
    'the gm reads the grants of their campaign'
);
select lives_ok(
    $$ insert into public.granted_modifiers (character_id, amount, type, reason, single_use)
       values (md5('ch_player')::uuid, 2, 'circumstance', 'Guide', false) $$,
    'the gm grants a modifier to a character of their campaign'
);
select is(
    (
        select granted_by from public.granted_modifiers
        where reason = 'Guide'
    ),
    md5('gm')::uuid, 'a grant records its gm'
);
select throws_ok(
    $$ insert into public.granted_modifiers (character_id, amount, reason)
       values (md5('ch_other')::uuid, 2, 'Bribe') $$,
    '42501', null, 'the gm cannot grant in another campaign'
);
select is(
    tests.affected($$ delete from public.granted_modifiers where id = md5('g_player')::uuid $$),
    0, 'a used grant stays on record'
);
select is(
    tests.affected($$ delete from public.granted_modifiers where id = md5('g_player2')::uuid $$),
    1, 'the gm withdraws an unused grant'
);

-- ============================================================================ admin
select tests.act_as('admin');
select is(
    tests.visible('granted_modifiers', array['g_player', 'g_player2', 'g_other']),
    array['g_other', 'g_player', 'g_player2'],
    'an admin (campaign.moderate) reads every grant'
);
select throws_ok(
    $$ insert into public.granted_modifiers (character_id, amount, reason)
       values (md5('ch_player')::uuid, 2, 'Admin gift') $$,
    '42501', null, 'an admin does not grant modifiers'
);

select finish();
rollback;
