-- The service role's user administration: create, list, get, update (roles, bans), delete.
begin;
set local search_path = extensions, public, tests;
grant execute on all functions in schema extensions to anon, authenticated, service_role;
select plan(17);

create function pg_temp.act_as(role text)
returns void
language plpgsql
as $$
begin
    perform set_config('role', role, true);
    perform set_config('request.jwt.claims', jsonb_build_object('role', role)::text, true);
end
$$;

-- Start from no users (seed data may exist); rolled back with the rest.
delete from auth.users;
select pg_temp.act_as('service_role');
select auth.admin_create_user(
    '{"email": "eve@example.com", "password": "correct horse", "email_confirm": true,
      "user_metadata": {"name": "Eve"}, "app_metadata": {"roles": ["moderator"], "team": "red"}}'
) as eve \gset
select auth.admin_create_user('{"email": "fay@example.com"}') as fay \gset

select is(:'eve'::jsonb ->> 'email', 'eve@example.com', 'admin_create_user returns the user');
select ok(:'eve'::jsonb ? 'email_confirmed_at', 'email_confirm confirms the email');
select ok(
    not :'fay'::jsonb ? 'email_confirmed_at', 'without email_confirm the email is unconfirmed'
);
select is(
    :'eve'::jsonb -> 'app_metadata',
    '{"provider": "email", "providers": ["email"], "team": "red", "roles": ["moderator"]}',
    'app_metadata.roles become RBAC roles; other keys are kept'
);
select throws_ok(
    $$ select auth.admin_create_user('{"email": "EVE@example.com"}') $$,
    'PT422', 'A user with this email address has already been registered',
    'a taken email is refused'
);

select is(
    jsonb_array_length(auth.admin_list_users(1, 1) -> 'users'), 1, 'per_page bounds a page'
);
select set_eq(
    $$ select auth.admin_list_users(n, 1) -> 'users' -> 0 ->> 'email'
        from generate_series(1, 2) as n $$,
    array['eve@example.com', 'fay@example.com'],
    'pages 1 and 2 hold different users'
);
select is((auth.admin_list_users(1, 50) ->> 'total')::integer, 2, 'the total counts every user');
select throws_ok(
    $$ select auth.admin_list_users(0, 50) $$, 'PT400', null, 'page 0 is refused'
);

select is(
    auth.admin_get_user((:'eve'::jsonb ->> 'id')::uuid) ->> 'id', :'eve'::jsonb ->> 'id',
    'admin_get_user finds a user'
);
select throws_ok(
    $$ select auth.admin_get_user(gen_random_uuid()) $$, 'PT404', 'User not found',
    'an unknown id is 404'
);

select is(
    auth.admin_update_user(
        (:'eve'::jsonb ->> 'id')::uuid, '{"app_metadata": {"roles": ["admin", "player"]}}'
    ) -> 'app_metadata' -> 'roles',
    '["admin", "player"]',
    'admin_update_user replaces the roles'
);

-- A ban ends the user's sessions and blocks sign-in until lifted.
reset role;
select pg_temp.act_as('anon');
select auth.sign_in_with_password('eve@example.com', 'correct horse') ->> 'refresh_token' as rt
\gset
reset role;
select pg_temp.act_as('service_role');
select ok(
    (
        auth.admin_update_user((:'eve'::jsonb ->> 'id')::uuid, '{"ban_duration": "1h30m"}')
        ->> 'banned_until'
    )::timestamptz between now() + interval '89 minutes'
    and now() + interval '91 minutes',
    'ban_duration 1h30m bans for 90 minutes'
);
reset role;
select pg_temp.act_as('anon');
select throws_ok(
    format('select auth.refresh_session(%L)', :'rt'),
    'PT400', 'Invalid Refresh Token: Refresh Token Not Found', 'a ban ends the sessions'
);
reset role;
select pg_temp.act_as('service_role');
select ok(
    not auth.admin_update_user((:'eve'::jsonb ->> 'id')::uuid, '{"ban_duration": "none"}')
    ? 'banned_until',
    'ban_duration none lifts the ban'
);
select throws_ok(
    format(
        'select auth.admin_update_user(%L, %L)', :'eve'::jsonb ->> 'id', '{"ban_duration": "soon"}'
    ),
    'PT400', null, 'a malformed ban duration is refused'
);

select auth.admin_delete_user((:'fay'::jsonb ->> 'id')::uuid);
select is((auth.admin_list_users(1, 50) ->> 'total')::integer, 1, 'admin_delete_user deletes');

select finish();
rollback;
