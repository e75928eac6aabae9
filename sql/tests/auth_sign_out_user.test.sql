-- sign_out_user: admins (user.manage) end every session of a user, audited; nobody else.

begin;
set local search_path = public, extensions, tests;
select plan(11);

-- Arrange (as the superuser). Every row's id is md5(<label>)::uuid, so a label names it.
insert into auth.users (id, email)
select
    md5(u)::uuid as id,
    u || '@pgtap.test' as email
from unnest(array['gm', 'player', 'other', 'moderator', 'editor', 'admin']) as u;
insert into app_private.user_roles (user_id, role) values
(md5('moderator')::uuid, 'moderator'),
(md5('editor')::uuid, 'content_editor'),
(md5('admin')::uuid, 'admin');
insert into auth.sessions (id, user_id, revoked_at, revoked_reason) values
(md5('s1')::uuid, md5('player')::uuid, null, null),
(md5('s2')::uuid, md5('player')::uuid, null, null),
(md5('s3')::uuid, md5('player')::uuid, '2026-01-01T00:00:00Z', 'logout'),
(md5('s4')::uuid, md5('other')::uuid, null, null);

select tests.act_as('anon');
select throws_ok(
    $$ select public.sign_out_user(md5('player')::uuid) $$, '42501', null, 'anon cannot'
);
select tests.act_as('player');
select throws_ok(
    $$ select public.sign_out_user(md5('other')::uuid) $$,
    '42501', 'user.manage permission required', 'a player cannot'
);
select tests.act_as('other');
select throws_ok(
    $$ select public.sign_out_user(md5('player')::uuid) $$,
    '42501', 'user.manage permission required', 'another player cannot'
);
select tests.act_as('gm');
select throws_ok(
    $$ select public.sign_out_user(md5('player')::uuid) $$,
    '42501', 'user.manage permission required', 'a gm cannot'
);
select tests.act_as('moderator');
select throws_ok(
    $$ select public.sign_out_user(md5('player')::uuid) $$,
    '42501', 'user.manage permission required', 'a moderator cannot'
);
select tests.act_as('editor');
select throws_ok(
    $$ select public.sign_out_user(md5('player')::uuid) $$,
    '42501', 'user.manage permission required', 'a content editor cannot'
);
select tests.act_as('admin');
select throws_ok(
    $$ select public.sign_out_user(md5('nobody')::uuid) $$,
    'PT404', 'user not found', 'an unknown user is 404'
);
select is(public.sign_out_user(md5('player')::uuid), 2, 'an admin ends both active sessions');
reset role;
select results_eq(
    $$ select id, revoked_reason from auth.sessions order by revoked_reason, id $$,
    $$ values (md5('s1')::uuid, 'admin'::text), (md5('s2')::uuid, 'admin'::text),
              (md5('s3')::uuid, 'logout'::text), (md5('s4')::uuid, null::text) $$,
    'the earlier sign-out and the other user''s session are untouched'
);
select ok(
    not auth.session_is_active(md5('s1')::uuid), 'the ended session no longer authorizes tokens'
);
select row_eq(
    $$ select a.actor_id, (a.record ->> 'user_id')::uuid, (a.record ->> 'sessions_ended')::integer
       from audit.record_version as a
       where a.table_name = 'user_sign_outs' order by a.id limit 1 $$,
    row(md5('admin')::uuid, md5('player')::uuid, 2),
    'the sign-out is audited with the admin, the user and the count'
);

select finish();
rollback;
