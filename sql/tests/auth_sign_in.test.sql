-- Sign-up and sign-in errors, bcrypt cost, bans and the failed sign-in rate limits.
begin;
set local search_path = extensions, public, tests;
grant execute on all functions in schema extensions to anon, authenticated, service_role;
select plan(22);

create function pg_temp.act_as(role text, address text default null)
returns void
language plpgsql
as $$
begin
    perform set_config('role', role, true);
    perform set_config('request.jwt.claims', '', true);
    perform set_config(
        'request.headers',
        coalesce(jsonb_build_object('x-forwarded-for', address)::text, ''),
        true
    );
end
$$;

select pg_temp.act_as('anon');
select lives_ok(
    $$ select auth.sign_up('bea@example.com', 'correct horse') $$, 'sign-up with a good password'
);

-- ===== sign-up validation =====
select throws_ok(
    $$ select auth.sign_up('bea@example.com', 'another password') $$,
    'PT422', 'User already registered', 'an existing email cannot sign up again'
);
select throws_ok(
    $$ select auth.sign_up('BEA@example.com', 'another password') $$,
    'PT422', 'User already registered', 'emails are case-insensitive'
);
select throws_ok(
    $$ select auth.sign_up('not-an-email', 'correct horse') $$,
    'PT400', 'Unable to validate email address: invalid format', 'a non-email is refused'
);
select throws_ok(
    $$ select auth.sign_up('a@b', 'correct horse') $$,
    'PT400',
    'Unable to validate email address: invalid format',
    'an email without a domain dot is refused'
);
select throws_ok(
    $$ select auth.sign_up('cy@example.com', 'short') $$,
    'PT422', 'Password should be at least 8 characters.', 'a password under 8 characters is weak'
);
select throws_ok(
    $$ select auth.sign_up('cy@example.com', repeat('x', 73)) $$,
    'PT422',
    'Password cannot be longer than 72 bytes',
    'a password bcrypt would truncate is refused'
);
select throws_ok(
    $$ select auth.sign_up('cy@example.com', 'correct horse', '[1]') $$,
    'PT400', 'metadata must be a JSON object', 'metadata must be an object'
);
select throws_ok(
    format(
        'select auth.sign_up(%L, %L, %L)', 'cy@example.com', 'correct horse',
        jsonb_build_object('bio', repeat('x', 9000))
    ),
    'PT400', 'metadata must not exceed 8 KB', 'metadata over 8 KB is refused'
);

-- ===== stored hashes =====
reset role;
select ok(
    (
        select encrypted_password ~ '^\$2[aby]\$(1[0-9]|[2-3][0-9])\$' from auth.users
        where email = 'bea@example.com'
    ),
    'passwords are bcrypt hashes of cost >= 10'
);

-- ===== sign-in errors =====
select pg_temp.act_as('anon');
select throws_ok(
    $$ select auth.sign_in_with_password('bea@example.com', 'wrong password') $$,
    'PT400', 'Invalid login credentials', 'a wrong password gives the generic error'
);
select throws_ok(
    $$ select auth.sign_in_with_password('nobody@example.com', 'wrong password') $$,
    'PT400', 'Invalid login credentials', 'an unknown email gives the same generic error'
);
select throws_ok(
    $$ select auth.sign_in_with_password('bea@example.com', '') $$,
    'PT400', 'missing email or password', 'an empty password is a validation error'
);
select is(
    auth.sign_in_with_password(' BEA@example.com', 'correct horse') -> 'user' ->> 'email',
    'bea@example.com',
    'sign-in matches the email case-insensitively'
);

reset role;
update auth.users set banned_until = now() + interval '1 day'
where email = 'bea@example.com';
insert into auth.users (email, encrypted_password)
values ('dan@example.com', extensions.crypt('correct horse', extensions.gen_salt('bf', 10)));
select pg_temp.act_as('anon');
select throws_ok(
    $$ select auth.sign_in_with_password('bea@example.com', 'correct horse') $$,
    'PT400', 'User is banned', 'a banned user cannot sign in'
);
select throws_ok(
    $$ select auth.sign_in_with_password('bea@example.com', 'wrong password') $$,
    'PT400', 'Invalid login credentials', 'the ban is only revealed with the right password'
);
select throws_ok(
    $$ select auth.sign_in_with_password('dan@example.com', 'correct horse') $$,
    'PT400', 'Email not confirmed', 'an unconfirmed email cannot sign in'
);

-- ===== failed sign-in rate limits =====
reset role;
update auth.users set banned_until = null
where email = 'bea@example.com';
select pg_temp.act_as('anon', '192.0.2.1');
select auth.record_failed_sign_in('bea@example.com') from generate_series(1, 10);
select throws_ok(
    $$ select auth.sign_in_with_password('bea@example.com', 'correct horse') $$,
    'PGRST', null, 'ten failures for an email block its sign-ins (429)'
);
select auth.record_failed_sign_in('user' || n || '@example.com') from generate_series(1, 20) as n;
select throws_ok(
    $$ select auth.sign_in_with_password('dan@example.com', 'correct horse') $$,
    'PGRST', null, 'thirty failures from an address block its sign-ins (429)'
);
reset role;
select pg_temp.act_as('anon', '192.0.2.2');
select throws_ok(
    $$ select auth.sign_in_with_password('dan@example.com', 'correct horse') $$,
    'PT400', 'Email not confirmed', 'another address is not blocked'
);

-- ===== figures from rate_limit.limits override the defaults =====
reset role;
insert into rate_limit.limits (action, capacity, refill_per_second, description)
values ('auth.sign_up', 1, 0.001, 'test: one sign-up per address');
select pg_temp.act_as('anon', '192.0.2.3');
select lives_ok(
    $$ select auth.sign_up('gus@example.com', 'correct horse') $$, 'the first sign-up passes'
);
select throws_ok(
    $$ select auth.sign_up('hep@example.com', 'correct horse') $$,
    'PGRST', null, 'a rate_limit.limits row lowers the sign-up limit (429)'
);

select finish();
rollback;
