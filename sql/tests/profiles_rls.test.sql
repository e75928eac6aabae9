-- RLS of public.profiles: created with each user; read by signed-in users; edited by owners.

begin;
set local search_path = public, extensions, tests;
select plan(15);

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
    'public', 'profiles',
    array[
        'Signed-in users read every profile',
        'Users edit their own profile and user managers edit any',
        'Editing another user''s profile needs aal2 from enrolled editors'
    ],
    'profiles has exactly its policies'
);
select ok(
    (
        select c.relrowsecurity from pg_class as c
        where c.oid = 'public.profiles'::regclass
    ),
    'RLS is enabled on profiles'
);
select lives_ok(
    $$ insert into auth.users (id, email, raw_user_meta_data) values (
        md5('newbie')::uuid, 'newbie@pgtap.test',
        '{"username": "Newbie_1", "display_name": "New Bie", "native_locale": "pt-BR"}'
    ) $$,
    'creating a user'
);
select row_eq(
    $$ select username::text, display_name, native_locale from public.profiles
       where id = md5('newbie')::uuid $$,
    row('Newbie_1'::text, 'New Bie'::text, 'pt-BR'::text),
    'creates its profile from the sign-up metadata'
);
select matches(
    (
        select p.username::text from public.profiles as p
        where p.id = md5('gm')::uuid
    ),
    '^user_[0-9a-f]{16}$',
    'a user without a username gets a generated one'
);

-- ============================================================================ anon
select tests.act_as('anon');
select throws_ok($$ select * from public.profiles $$, '42501', null, 'anon cannot read profiles');

-- ============================================================================ player
select tests.act_as('player');
select is(
    tests.visible('profiles', array['gm', 'player', 'other', 'admin']),
    array['admin', 'gm', 'other', 'player'],
    'a signed-in user reads every profile'
);
select is(
    tests.affected($$
        update public.profiles set display_name = 'Rosa' where id = md5('player')::uuid
    $$),
    1, 'a user edits their own profile'
);
select throws_ok(
    $$ update public.profiles set username = 'no spaces allowed'
       where id = md5('player')::uuid $$,
    '23514', null, 'usernames are validated'
);
select throws_ok(
    $$ update public.profiles set avatar_path = '../../etc/passwd'
       where id = md5('player')::uuid $$,
    '23514', null, 'avatar paths cannot climb out of the storage folder'
);
select throws_ok(
    $$ insert into public.profiles (id, username, display_name)
       values (md5('x')::uuid, 'x_x_x', 'X') $$,
    '42501', null, 'profiles are not inserted by clients'
);
select throws_ok(
    $$ delete from public.profiles $$, '42501', null, 'profiles are not deleted by clients'
);

-- ============================================================================ another player
select tests.act_as('other');
select is(
    tests.affected($$
        update public.profiles set display_name = 'Hacked' where id = md5('player')::uuid
    $$),
    0, 'a user cannot edit someone else''s profile'
);

-- ============================================================================ game master
select tests.act_as('gm');
select is(
    tests.affected($$
        update public.profiles set display_name = 'Hacked' where id = md5('player')::uuid
    $$),
    0, 'a gm cannot edit their players'' profiles'
);

-- ============================================================================ admin
select tests.act_as('admin');
select is(
    tests.affected($$
        update public.profiles set display_name = 'Renamed' where id = md5('player')::uuid
    $$),
    1, 'an admin (user.manage) edits any profile'
);

select finish();
rollback;
