-- RLS and column privileges of public.characters, and the gm-only award_xp().

begin;
set local search_path = public, extensions, tests;
select plan(24);

-- Arrange (as the superuser). Every row's id is md5(<label>)::uuid, so a label names it.
-- Users: gm runs c1 (private) with player and observer; gm2 runs c2 (public) with other as
-- player; admin holds the admin app role.
select set_config('app.roll_source', 'dice-service', true);
insert into auth.users (id, email)
select
    md5(u)::uuid as id,
    u || '@pgtap.test' as email
from unnest(array['gm', 'player', 'other', 'observer', 'admin', 'gm2']) as u;
insert into app_private.user_roles (user_id, role) values (md5('admin')::uuid, 'admin');
insert into public.campaigns (id, owner_id, name, target_language, visibility) values
(md5('c1')::uuid, md5('gm')::uuid, 'Private campaign', 'es', 'private'),
(md5('c2')::uuid, md5('gm2')::uuid, 'Public campaign', 'ja', 'public');
insert into public.campaign_members (campaign_id, user_id, role) values
(md5('c1')::uuid, md5('player')::uuid, 'player'),
(md5('c1')::uuid, md5('observer')::uuid, 'observer'),
(md5('c2')::uuid, md5('other')::uuid, 'player');

insert into public.characters (id, campaign_id, owner_id, name, vocabulary, grammar) values
(md5('ch_player')::uuid, md5('c1')::uuid, md5('player')::uuid, 'Rosa', 14, 9),
(md5('ch_gm')::uuid, md5('c1')::uuid, md5('gm')::uuid, 'The Innkeeper', 10, 10),
(md5('ch_other')::uuid, md5('c2')::uuid, md5('other')::uuid, 'Haruka', 10, 10);

-- ============================================================================ structure
select policies_are(
    'public', 'characters',
    array[
        'Anyone reads the characters of public campaigns',
        'Users read the characters of campaigns they can read',
        'Players and game masters create their own characters in live campaigns',
        'Owners and game masters edit characters of live campaigns',
        'Owners and game masters delete characters of live campaigns'
    ],
    'characters has exactly its policies'
);
select ok(
    (
        select c.relrowsecurity from pg_class as c
        where c.oid = 'public.characters'::regclass
    ),
    'RLS is enabled on characters'
);
select row_eq(
    $$ select vocabulary_mod, grammar_mod, culture_mod from public.characters
       where id = md5('ch_player')::uuid $$,
    row(2::smallint, (-1)::smallint, 0::smallint),
    'modifiers are floor(score / 2) - 5'
);

-- ============================================================================ anon
select tests.act_as('anon');
select is(
    tests.visible('characters', array['ch_player', 'ch_gm', 'ch_other']), array['ch_other'],
    'anon reads the characters of the public campaign only'
);
select throws_ok(
    $$ insert into public.characters (campaign_id, name) values (md5('c2')::uuid, 'X') $$,
    '42501', null, 'anon cannot create characters'
);

-- ============================================================================ player
select tests.act_as('player');
select is(
    tests.visible('characters', array['ch_player', 'ch_gm', 'ch_other']),
    array['ch_gm', 'ch_other', 'ch_player'],
    'a player reads their campaign''s characters and the public campaign''s'
);
select lives_ok(
    $$ insert into public.characters (campaign_id, name, speaking)
       values (md5('c1')::uuid, 'Second', 12) $$,
    'a player creates a character in their campaign'
);
select throws_ok(
    $$ insert into public.characters (campaign_id, name) values (md5('c2')::uuid, 'Intruder') $$,
    '42501', null, 'a player cannot create characters in a campaign they do not play'
);
select throws_ok(
    $$ insert into public.characters (campaign_id, name, xp)
       values (md5('c1')::uuid, 'Cheater', 99999) $$,
    '42501', null, 'xp cannot be set by players'
);
select is(
    tests.affected($$
        update public.characters set name = 'Rosa II' where id = md5('ch_player')::uuid
    $$),
    1, 'a player edits their own character'
);
select throws_ok(
    $$ update public.characters set xp = 5000 where id = md5('ch_player')::uuid $$,
    '42501', null, 'a player cannot write xp'
);
select throws_ok(
    $$ select public.award_xp(md5('ch_player')::uuid, 500) $$,
    '42501', null, 'a player cannot award xp'
);
select is(
    tests.affected($$ update public.characters set name = 'X' where id = md5('ch_gm')::uuid $$),
    0, 'a player cannot edit someone else''s character'
);
select is(
    tests.affected($$ delete from public.characters where id = md5('ch_player')::uuid $$),
    1, 'a player deletes their own character'
);

-- ============================================================================ another player
select tests.act_as('other');
select is(
    tests.visible('characters', array['ch_player', 'ch_gm', 'ch_other']), array['ch_other'],
    'a player of another campaign reads only that campaign''s characters'
);
select is(
    tests.affected($$
        update public.characters set name = 'X' where id = md5('ch_player')::uuid
    $$),
    0, 'a player of another campaign cannot edit the character'
);

-- ============================================================================ observer
select tests.act_as('observer');
select throws_ok(
    $$ insert into public.characters (campaign_id, name) values (md5('c1')::uuid, 'Watcher') $$,
    '42501', null, 'an observer does not play characters'
);

-- ============================================================================ game master
select tests.act_as('gm');
select is(
    tests.affected($$
        update public.characters set name = 'Rosa III' where id = md5('ch_player')::uuid
    $$),
    1, 'the gm edits a player''s character'
);
select row_eq(
    $$ select xp, level from public.award_xp(md5('ch_player')::uuid, 1500) $$,
    row(1500, 2),
    'the gm awards xp and the level follows'
);
select throws_ok(
    $$ select public.award_xp(md5('ch_other')::uuid, 10) $$,
    '42501', null, 'the gm cannot award xp in another campaign'
);
reset role;
update public.campaigns set status = 'archived'
where id = md5('c1')::uuid;
select tests.act_as('gm');
select is(
    tests.affected($$
        update public.characters set name = 'Frozen' where id = md5('ch_player')::uuid
    $$),
    0, 'characters of an archived campaign are read-only'
);
select throws_ok(
    $$ select public.award_xp(md5('ch_player')::uuid, 10) $$,
    '42501', null, 'no xp is awarded in an archived campaign'
);

-- ============================================================================ admin
select tests.act_as('admin');
select is(
    tests.visible('characters', array['ch_player', 'ch_gm', 'ch_other']),
    array['ch_gm', 'ch_other', 'ch_player'],
    'an admin (campaign.moderate) reads every character'
);
select is(
    tests.affected(
        $$ update public.characters set name = 'X' where id = md5('ch_other')::uuid $$
    ),
    0, 'an admin does not edit characters'
);

select finish();
rollback;
