-- RBAC: permissions come from the role tables on every call, and only user managers change them.

begin;
set local search_path = public, extensions, tests;
select plan(16);

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

insert into auth.users (id, email) values (md5('editor')::uuid, 'editor@pgtap.test');
insert into app_private.user_roles (user_id, role) values (md5('editor')::uuid, 'content_editor');

-- ============================================================================ structure
select is_definer('app_private', 'has_permission', array['text'], 'has_permission is definer');
select is_definer(
    'app_private', 'set_user_app_roles', array['uuid', 'text[]'], 'set_user_app_roles is definer'
);
select is(
    (
        select array_agg(r.name order by r.name) from app_private.app_roles as r
    ),
    array['admin', 'content_editor', 'moderator', 'player'],
    'the four app roles exist'
);

-- ============================================================================ anon
select tests.act_as('anon');
select ok(not app_private.has_permission('content.write'), 'anon holds no permission');
select throws_ok(
    $$ select app_private.set_user_app_roles(md5('player')::uuid, array['admin']) $$,
    '42501', null, 'anon cannot set roles'
);

-- ============================================================================ player
select tests.act_as('player');
select ok(not app_private.has_permission('campaign.moderate'), 'a player cannot moderate');
select throws_ok(
    $$ select app_private.set_user_app_roles(md5('player')::uuid, array['admin']) $$,
    '42501', null, 'a player cannot make themselves admin'
);
select throws_ok(
    $$ select * from app_private.user_roles $$, '42501', null, 'the role tables are private'
);

-- ============================================================================ content editor
select tests.act_as('editor');
select ok(app_private.has_permission('content.publish'), 'a content editor publishes');
select ok(not app_private.has_permission('user.manage'), 'a content editor manages no users');

-- ============================================================================ admin
select tests.act_as('admin');
select ok(app_private.has_permission('audit.read'), 'an admin holds every permission');
select is(
    app_private.set_user_app_roles(md5('player')::uuid, array['moderator', 'player']),
    array['moderator', 'player'],
    'an admin sets a user''s roles'
);
select throws_ok(
    $$ select app_private.set_user_app_roles(md5('player')::uuid, array['emperor']) $$,
    '22023', null, 'unknown roles are refused'
);

-- ============================================================================ player again
select tests.act_as('player');
select ok(
    app_private.has_permission('campaign.moderate'),
    'a role change applies to the next request, whatever the token says'
);

-- ============================================================================ service role
reset role;
select set_config('request.jwt.claims', '{"role": "service_role"}', true);
select ok(app_private.has_permission('user.manage'), 'the service role holds every permission');
select is(
    app_private.set_user_app_roles(md5('player')::uuid, array[]::text[]), '{}'::text[],
    'the service role (auth admin API) may clear roles'
);

select finish();
rollback;
