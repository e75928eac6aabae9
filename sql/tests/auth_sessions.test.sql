-- Sessions: sign-up's session shape and token claims, refresh-token rotation and reuse
-- detection, sign-out scopes, and the signed-in user's get/update.
begin;
set local search_path = extensions, public, tests;
grant execute on all functions in schema extensions to anon, authenticated, service_role;
select plan(31);

-- Impersonate an API role as the auth server does (call after `reset role`).
create function pg_temp.act_as(role text, claims jsonb default null)
returns void
language plpgsql
as $$
begin
    perform set_config('role', role, true);
    perform set_config('request.jwt.claims', coalesce(claims::text, ''), true);
end
$$;
-- The verified claims of an access token (definer: callable while impersonating).
create function pg_temp.claims(access_token text)
returns jsonb
language sql
security definer
as $$
    select auth.jwt_verify(
        access_token, (select value from app_private.secrets where name = 'jwt_secret')
    )
$$;
grant execute on function pg_temp.claims(text) to public;

-- ===== sign-up =====
select pg_temp.act_as('anon');
select auth.sign_up(' Ann@Example.COM ', 'correct horse', '{"name": "Ann"}') as signup \gset
reset role;

select ok(
    :'signup'::jsonb ?& array[
        'access_token', 'token_type', 'expires_in', 'expires_at',
        'refresh_token', 'user'
    ],
    'sign-up returns a session'
);
select is(:'signup'::jsonb ->> 'token_type', 'bearer', 'the token type is bearer');
select is(
    (:'signup'::jsonb ->> 'expires_in')::integer,
    (
        select value::integer from app_private.secrets
        where name = 'jwt_exp'
    ),
    'expires_in is jwt_exp'
);
select ok(
    :'signup'::jsonb -> 'user' ?& array[
        'id', 'aud', 'role', 'email', 'email_confirmed_at',
        'phone', 'confirmed_at', 'last_sign_in_at', 'app_metadata', 'user_metadata',
        'identities', 'created_at', 'updated_at', 'is_anonymous'
    ],
    'the user object has Supabase Auth''s fields'
);
select is(:'signup'::jsonb -> 'user' ->> 'email', 'ann@example.com', 'the email is normalised');
select is(
    :'signup'::jsonb -> 'user' -> 'user_metadata',
    '{"name": "Ann"}',
    'sign-up data is user metadata'
);
select ok(
    (:'signup'::jsonb -> 'user' ->> 'email_confirmed_at') is not null, 'sign-up confirms the email'
);

select pg_temp.claims(:'signup'::jsonb ->> 'access_token') as claims \gset
select is(
    :'claims'::jsonb - 'exp' - 'iat' - 'sub' - 'session_id' - 'amr',
    jsonb_build_object(
        'aud', 'authenticated', 'role', 'authenticated', 'email', 'ann@example.com',
        'phone', '', 'aal', 'aal1', 'is_anonymous', false,
        'app_metadata', jsonb_build_object(
            'provider', 'email', 'providers', '["email"]'::jsonb,
            'roles', to_jsonb(app_private.user_app_roles((:'claims'::jsonb ->> 'sub')::uuid))
        ),
        'user_metadata', '{"name": "Ann"}'::jsonb
    ),
    'the access token carries GoTrue''s claims'
);
select is(
    (:'claims'::jsonb ->> 'exp')::bigint - (:'claims'::jsonb ->> 'iat')::bigint,
    (
        select value::bigint from app_private.secrets
        where name = 'jwt_exp'
    ),
    'the access token lives jwt_exp seconds'
);
select is(
    :'claims'::jsonb -> 'amr' -> 0 ->> 'method', 'password', 'amr records the password method'
);
select is(:'claims'::jsonb ->> 'sub', :'signup'::jsonb -> 'user' ->> 'id', 'sub is the user id');
select ok(
    auth.session_is_active((:'claims'::jsonb ->> 'session_id')::uuid), 'the session is active'
);

select ok(
    :'signup'::jsonb ->> 'refresh_token' ~ '^[A-Za-z0-9_-]{32}$',
    'refresh tokens are 24 random bytes, url-safe'
);
select is(
    (
        select count(*)::integer from auth.refresh_tokens
        where token_hash = digest(:'signup'::jsonb ->> 'refresh_token', 'sha256')
    ),
    1,
    'refresh tokens are stored as sha256 hashes'
);

-- ===== refresh rotation and reuse detection =====
select pg_temp.act_as('anon');
select auth.refresh_session(:'signup'::jsonb ->> 'refresh_token') as refreshed \gset
reset role;

select isnt(
    :'refreshed'::jsonb ->> 'refresh_token', :'signup'::jsonb ->> 'refresh_token',
    'refresh rotates the refresh token'
);
select is(
    pg_temp.claims(:'refreshed'::jsonb ->> 'access_token') ->> 'session_id',
    :'claims'::jsonb ->> 'session_id',
    'the new access token belongs to the same session'
);

select pg_temp.act_as('anon');
select throws_ok(
    format('select auth.refresh_session(%L)', :'signup'::jsonb ->> 'refresh_token'),
    'PT400', 'Invalid Refresh Token: Already Used', 'a rotated refresh token cannot be used again'
);
select auth.revoke_session_on_token_reuse(:'signup'::jsonb ->> 'refresh_token');
select throws_ok(
    format('select auth.refresh_session(%L)', :'refreshed'::jsonb ->> 'refresh_token'),
    'PT400', 'Invalid Refresh Token: Refresh Token Not Found',
    'after reuse, even the newest token of the session is dead'
);
select throws_ok(
    $$ select auth.refresh_session('no-such-token') $$,
    'PT400', 'Invalid Refresh Token: Refresh Token Not Found', 'an unknown token is refused'
);
reset role;
select is(
    (
        select revoked_reason from auth.sessions
        where id = (:'claims'::jsonb ->> 'session_id')::uuid
    ),
    'token_reuse',
    'reuse revokes the whole session'
);

-- ===== sign-out scopes =====
select pg_temp.act_as('anon');
select
    pg_temp.claims(
        auth.sign_in_with_password('ann@example.com', 'correct horse') ->> 'access_token'
    ) as a
\gset
select
    pg_temp.claims(
        auth.sign_in_with_password('ann@example.com', 'correct horse') ->> 'access_token'
    ) as b
\gset
select
    pg_temp.claims(
        auth.sign_in_with_password('ann@example.com', 'correct horse') ->> 'access_token'
    ) as c
\gset
reset role;

select pg_temp.act_as('authenticated', :'a');
select lives_ok($$ select auth.sign_out('others') $$, 'sign-out others');
reset role;
select is(
    array[
        auth.session_is_active((:'a'::jsonb ->> 'session_id')::uuid),
        auth.session_is_active((:'b'::jsonb ->> 'session_id')::uuid),
        auth.session_is_active((:'c'::jsonb ->> 'session_id')::uuid)
    ],
    array[true, false, false],
    'scope others ends every other session'
);
select pg_temp.act_as('authenticated', :'a');
select lives_ok($$ select auth.sign_out('local') $$, 'sign-out local');
reset role;
select
    ok(
        not auth.session_is_active((:'a'::jsonb ->> 'session_id')::uuid),
        'scope local ends the session'
    );
select pg_temp.act_as('authenticated', :'a');
select throws_ok(
    $$ select auth.get_user() $$, 'PT403', 'Session from session_id claim in JWT does not exist',
    'a token of an ended session is refused'
);
reset role;

select pg_temp.act_as('anon');
select
    pg_temp.claims(
        auth.sign_in_with_password('ann@example.com', 'correct horse') ->> 'access_token'
    ) as d
\gset
select
    pg_temp.claims(
        auth.sign_in_with_password('ann@example.com', 'correct horse') ->> 'access_token'
    ) as e
\gset
reset role;
select pg_temp.act_as('authenticated', :'d');
select auth.sign_out('global');
reset role;
select ok(
    not auth.session_is_active((:'d'::jsonb ->> 'session_id')::uuid)
    and not auth.session_is_active((:'e'::jsonb ->> 'session_id')::uuid),
    'scope global ends every session of the user'
);

-- ===== get and update the signed-in user =====
select pg_temp.act_as('anon');
select
    pg_temp.claims(
        auth.sign_in_with_password('ann@example.com', 'correct horse') ->> 'access_token'
    ) as f
\gset
select
    pg_temp.claims(
        auth.sign_in_with_password('ann@example.com', 'correct horse') ->> 'access_token'
    ) as g
\gset
reset role;
select pg_temp.act_as('authenticated', :'f');
select is(auth.get_user() ->> 'email', 'ann@example.com', 'get_user returns the caller');
select is(
    auth.update_user('{"data": {"name": null, "level": 2}}') -> 'user_metadata',
    '{"level": 2}',
    'update_user merges metadata; null removes a key'
);
select throws_ok(
    $$ select auth.update_user('{"password": "correct horse"}') $$,
    'PT422',
    'New password should be different from the old password.',
    'the same password is refused'
);
select lives_ok(
    $$ select auth.update_user('{"password": "battery staple"}') $$,
    'update_user changes the password'
);
reset role;
select ok(
    auth.session_is_active((:'f'::jsonb ->> 'session_id')::uuid)
    and not auth.session_is_active((:'g'::jsonb ->> 'session_id')::uuid),
    'a password change ends the other sessions'
);

select finish();
rollback;
