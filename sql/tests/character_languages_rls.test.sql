-- RLS of public.character_languages: readers of a campaign read its sheets' languages; only
-- the campaign's gm awards or changes a proficiency.

begin;
set local search_path = public, extensions, tests;
select plan(16);

-- Arrange (as the superuser). Every row's id is md5(<label>)::uuid, so a label names it.
-- Users: gm runs c1 (private) with player and observer; gm2 runs c2 (public) with other as
-- player; admin holds the admin app role.
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
insert into public.characters (id, campaign_id, owner_id, name) values
(md5('ch_player')::uuid, md5('c1')::uuid, md5('player')::uuid, 'Rosa'),
(md5('ch_other')::uuid, md5('c2')::uuid, md5('other')::uuid, 'Haruka');
insert into public.character_languages (id, character_id, language, proficiency) values
(md5('cl_player')::uuid, md5('ch_player')::uuid, 'es', 'trained'),
(md5('cl_other')::uuid, md5('ch_other')::uuid, 'ja', 'trained');

-- ============================================================================ structure
select policies_are(
    'public', 'character_languages',
    array[
        'Anyone reads character languages in public campaigns',
        'Users read character languages in campaigns they can read',
        'Game masters add languages to sheets of live campaigns',
        'Game masters change proficiencies in live campaigns',
        'Game masters remove languages from sheets of live campaigns'
    ],
    'character_languages has exactly its policies'
);
select ok(
    (
        select c.relrowsecurity from pg_class as c
        where c.oid = 'public.character_languages'::regclass
    ),
    'RLS is enabled on character_languages'
);

-- ============================================================================ anon
select tests.act_as('anon');
select is(
    tests.visible('character_languages', array['cl_player', 'cl_other']), array['cl_other'],
    'anon reads the languages of the public campaign''s sheets'
);

-- ============================================================================ player
select tests.act_as('player');
select is(
    tests.visible('character_languages', array['cl_player', 'cl_other']),
    array['cl_other', 'cl_player'],
    'a player reads the sheets of their campaign and the public one'
);
select is(
    tests.affected($$
        update public.character_languages set proficiency = 'native'
        where id = md5('cl_player')::uuid
    $$),
    0, 'the owner cannot raise their own proficiency'
);
select throws_ok(
    $$ insert into public.character_languages (character_id, language, proficiency)
       values (md5('ch_player')::uuid, 'fr', 'native') $$,
    '42501', null, 'the owner cannot add a language to their sheet'
);
select is(
    tests.affected($$ delete from public.character_languages where id = md5('cl_player')::uuid $$),
    0, 'the owner cannot remove a language'
);

-- ============================================================================ another player
select tests.act_as('other');
select is(
    tests.visible('character_languages', array['cl_player', 'cl_other']), array['cl_other'],
    'a player of another campaign reads only that campaign''s sheets'
);
select is(
    tests.affected($$
        update public.character_languages set proficiency = 'native'
        where id = md5('cl_other')::uuid
    $$),
    0, 'a player of a public campaign cannot raise their proficiency either'
);

-- ============================================================================ game master
select tests.act_as('gm');
select is(
    tests.affected($$
        update public.character_languages set proficiency = 'expert'
        where id = md5('cl_player')::uuid
    $$),
    1, 'the gm raises a proficiency'
);
select lives_ok(
    $$ insert into public.character_languages (character_id, language, proficiency)
       values (md5('ch_player')::uuid, 'pt-BR', 'master') $$,
    'the gm adds a language to a sheet of their campaign'
);
select throws_ok(
    $$ insert into public.character_languages (character_id, language)
       values (md5('ch_other')::uuid, 'es') $$,
    '42501', null, 'the gm cannot write sheets of another campaign'
);
select throws_ok(
    $$ update public.character_languages set language = 'fr' where id = md5('cl_player')::uuid $$,
    '42501', null, 'a line''s language is fixed (no column privilege)'
);
select is(
    tests.affected($$ delete from public.character_languages where id = md5('cl_player')::uuid $$),
    1, 'the gm removes a language'
);

-- ============================================================================ admin
select tests.act_as('admin');
select is(
    tests.visible('character_languages', array['cl_player', 'cl_other']),
    array['cl_other', 'cl_player'],
    'an admin reads every sheet''s languages'
);
select is(
    tests.affected($$
        update public.character_languages set proficiency = 'native' where true
    $$),
    0, 'an admin does not award proficiencies'
);

select finish();
rollback;
