-- RLS of public.campaigns: who reads, creates, edits and deletes campaigns.

begin;
set local search_path = public, extensions, tests;
select plan(27);

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

-- ============================================================================ structure
select policies_are(
    'public', 'campaigns',
    array[
        'Anyone can read public campaigns',
        'Users read public, own and (as moderators) all campaigns',
        'Users create campaigns they own',
        'Game masters edit live campaigns and moderators edit any',
        'Owners and moderators delete campaigns'
    ],
    'campaigns has exactly its policies'
);
select ok(
    (
        select c.relrowsecurity from pg_class as c
        where c.oid = 'public.campaigns'::regclass
    ),
    'RLS is enabled on campaigns'
);
select policy_roles_are(
    'public', 'campaigns', 'Anyone can read public campaigns', array['anon'],
    'anon has its own read policy'
);

-- ============================================================================ anon
select tests.act_as('anon');
select is(
    tests.visible('campaigns', array['c1', 'c2']), array['c2'],
    'anon reads the public campaign only'
);
select throws_ok(
    $$ insert into public.campaigns (name, target_language) values ('Mine', 'fr') $$,
    '42501', null, 'anon cannot create campaigns'
);
select throws_ok(
    $$ update public.campaigns set name = 'Renamed' $$, '42501', null, 'anon cannot edit campaigns'
);
select throws_ok(
    $$ delete from public.campaigns $$, '42501', null, 'anon cannot delete campaigns'
);

-- ============================================================================ player
select tests.act_as('player');
select is(
    tests.visible('campaigns', array['c1', 'c2']), array['c1', 'c2'],
    'a player reads their campaign and the public one'
);
select lives_ok(
    $$ insert into public.campaigns (name, target_language) values ('My own', 'fr') $$,
    'a player creates a campaign'
);
select is(
    app_private.campaign_role((
        select c.id from public.campaigns as c
        where c.name = 'My own'
    )),
    'gm',
    'the creator becomes the gm of the new campaign'
);
select throws_ok(
    $$ insert into public.campaigns (owner_id, name, target_language)
       values (md5('gm')::uuid, 'Forged', 'fr') $$,
    '42501', null, 'nobody creates a campaign owned by someone else'
);
select is(
    tests.affected($$
        update public.campaigns set name = 'Renamed' where id = md5('c1')::uuid
    $$),
    0, 'a player cannot edit their campaign'
);
select is(
    tests.affected($$
        delete from public.campaigns where id = md5('c1')::uuid
    $$),
    0, 'a player cannot delete their campaign'
);

-- ============================================================================ another player
select tests.act_as('other');
select is(
    tests.visible('campaigns', array['c1', 'c2']), array['c2'],
    'a player of another campaign does not read the private campaign'
);
select is(
    tests.affected($$
        update public.campaigns set name = 'Renamed' where id = md5('c2')::uuid
    $$),
    0, 'a player cannot edit the public campaign they play in'
);

-- ============================================================================ observer
select tests.act_as('observer');
select is(
    tests.visible('campaigns', array['c1', 'c2']), array['c1', 'c2'],
    'an observer reads their campaign'
);
select is(
    tests.affected($$
        update public.campaigns set name = 'Renamed' where id = md5('c1')::uuid
    $$),
    0, 'an observer cannot edit the campaign'
);

-- ============================================================================ game master
select tests.act_as('gm');
select is(
    tests.visible('campaigns', array['c1', 'c2']), array['c1', 'c2'],
    'the gm reads their campaign'
);
select is(
    tests.affected($$
        update public.campaigns set name = 'Renamed' where id = md5('c1')::uuid
    $$),
    1, 'the gm edits their campaign'
);
select throws_ok(
    $$ update public.campaigns set owner_id = md5('player')::uuid $$,
    '42501', null, 'the owner cannot be changed by clients'
);
select is(
    tests.affected($$
        update public.campaigns set name = 'Renamed' where id = md5('c2')::uuid
    $$),
    0, 'the gm cannot edit another gm''s campaign'
);
select is(
    tests.affected($$
        delete from public.campaigns where id = md5('c1')::uuid
    $$),
    1, 'the owner deletes their campaign'
);
select lives_ok(
    $$ update public.campaigns set status = 'archived' where id = md5('c1')::uuid $$,
    'the gm archives their campaign'
);
select is(
    tests.affected($$
        update public.campaigns set name = 'Renamed' where id = md5('c1')::uuid
    $$),
    0, 'an archived campaign is read-only for its gm'
);

-- ============================================================================ admin
select tests.act_as('admin');
select is(
    tests.visible('campaigns', array['c1', 'c2']), array['c1', 'c2'],
    'an admin (campaign.moderate) reads every campaign'
);
select is(
    tests.affected($$
        update public.campaigns set status = 'active' where id = md5('c1')::uuid
    $$),
    1, 'an admin may unarchive a campaign'
);
select is(
    tests.affected($$
        delete from public.campaigns where id in (md5('c1')::uuid, md5('c2')::uuid)
    $$),
    2, 'an admin deletes any campaign'
);

select finish();
rollback;
