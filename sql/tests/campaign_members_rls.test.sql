-- RLS of public.campaign_members: who sees, adds, re-roles and removes members.

begin;
set local search_path = public, extensions, tests;
select plan(22);

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
    'public', 'campaign_members',
    array[
        'Members see their fellow members and moderators see all',
        'Game masters add members to live campaigns',
        'Game masters change member roles in live campaigns',
        'Game masters remove members and members leave live campaigns'
    ],
    'campaign_members has exactly its policies'
);
select ok(
    (
        select c.relrowsecurity from pg_class as c
        where c.oid = 'public.campaign_members'::regclass
    ),
    'RLS is enabled on campaign_members'
);
select is(
    app_private.user_app_roles(md5('gm')::uuid), array['player'],
    'every new user holds the player app role'
);

-- ============================================================================ anon
select tests.act_as('anon');
select throws_ok(
    $$ select * from public.campaign_members $$, '42501', null, 'anon cannot read memberships'
);

-- ============================================================================ player
select tests.act_as('player');
select is(
    tests.visible(
        'campaign_members', array['c1:gm', 'c1:player', 'c1:observer', 'c2:gm2', 'c2:other']
    ),
    array['c1:gm', 'c1:observer', 'c1:player'],
    'a player sees the members of their campaign only'
);
select throws_ok(
    $$ insert into public.campaign_members (campaign_id, user_id)
       values (md5('c1')::uuid, md5('admin')::uuid) $$,
    '42501', null, 'a player cannot add members'
);
select is(
    tests.affected($$
        update public.campaign_members set role = 'gm' where user_id = md5('player')::uuid
    $$),
    0, 'a player cannot promote themselves'
);
select is(
    tests.affected($$
        delete from public.campaign_members where user_id = md5('observer')::uuid
    $$),
    0, 'a player cannot remove another member'
);
select is(
    tests.affected($$
        delete from public.campaign_members where user_id = md5('player')::uuid
    $$),
    1, 'a player may leave the campaign'
);

-- ============================================================================ another player
select tests.act_as('other');
select is(
    tests.visible(
        'campaign_members', array['c1:gm', 'c1:player', 'c1:observer', 'c2:gm2', 'c2:other']
    ),
    array['c2:gm2', 'c2:other'],
    'a player of another campaign sees only that campaign''s members'
);
select throws_ok(
    $$ insert into public.campaign_members (campaign_id, user_id)
       values (md5('c2')::uuid, md5('admin')::uuid) $$,
    '42501', null, 'a player cannot add members to their own campaign either'
);

-- ============================================================================ game master
select tests.act_as('gm');
select lives_ok(
    $$ insert into public.campaign_members (campaign_id, user_id, role)
       values (md5('c1')::uuid, md5('admin')::uuid, 'observer') $$,
    'the gm adds a member'
);
select throws_ok(
    $$ insert into public.campaign_members (campaign_id, user_id)
       values (md5('c2')::uuid, md5('admin')::uuid) $$,
    '42501', null, 'the gm cannot add members to another campaign'
);
select is(
    tests.affected($$
        update public.campaign_members set role = 'observer' where user_id = md5('player')::uuid
    $$),
    1, 'the gm changes a member''s role'
);
select throws_ok(
    $$ update public.campaign_members set role = 'player' where user_id = md5('gm')::uuid $$,
    '42501', null, 'the owner cannot stop being the gm'
);
select throws_ok(
    $$ delete from public.campaign_members where user_id = md5('gm')::uuid $$,
    '42501', null, 'the owner cannot leave their campaign'
);
select is(
    tests.affected($$
        delete from public.campaign_members where user_id = md5('observer')::uuid
    $$),
    1, 'the gm removes a member'
);
select is(
    tests.affected($$
        delete from public.campaign_members where user_id = md5('other')::uuid
    $$),
    0, 'the gm cannot remove members of another campaign'
);

-- ============================================================================ admin
select tests.act_as('admin');
select is(
    tests.visible(
        'campaign_members', array['c1:gm', 'c1:player', 'c1:observer', 'c2:gm2', 'c2:other']
    ),
    array['c1:gm', 'c1:observer', 'c1:player', 'c2:gm2', 'c2:other'],
    'an admin (campaign.moderate) sees every membership'
);
select is(
    tests.affected($$ delete from public.campaign_members where user_id = md5('player')::uuid $$),
    0, 'an admin does not manage memberships through the table'
);

-- ============================================================================ archived
reset role;
update public.campaigns set status = 'archived'
where id = md5('c1')::uuid;
select tests.act_as('gm');
select is(
    tests.affected($$
        delete from public.campaign_members where user_id = md5('observer')::uuid
    $$),
    0, 'nobody changes the members of an archived campaign'
);
select tests.act_as('player');
select is(
    tests.affected($$
        delete from public.campaign_members where user_id = md5('player')::uuid
    $$),
    0, 'members cannot leave an archived campaign'
);

select finish();
rollback;
