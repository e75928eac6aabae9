-- Sign-up and sign-in errors, bcrypt cost, bans and the sign-in rate limits.
begin;
set local search_path = extensions, public, tests;
grant execute on all functions in schema extensions to anon, authenticated, service_role;
select plan(33);

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

-- ===== sign-in limits (charged before the password check, on the limiter's own connection) =====
-- The charges commit through dblink, outside this test's transaction: each case uses addresses
-- and emails of its own. pg_temp.attempts answers the SQLSTATE of each of n attempts.
reset role;
update auth.users set banned_until = null
where email = 'bea@example.com';
insert into auth.users (email, encrypted_password, email_confirmed_at)
select
    u || '@example.com' as email,
    extensions.crypt('correct horse', extensions.gen_salt('bf', 4)) as encrypted_password,
    now() as email_confirmed_at
from unnest(array['eli', 'flo', 'gia']) as u;

create function pg_temp.attempts(email text, password text, n integer)
returns text[]
language plpgsql
as $$
declare
    states text[] := '{}';
begin
    for i in 1..n loop
        begin
            perform auth.sign_in_with_password(email, password);
            states := states || 'ok'::text;
        exception when others then
            states := states || sqlstate::text;
        end;
    end loop;
    return states;
end
$$;

grant execute on function pg_temp.attempts(text, text, integer) to anon;

-- One attempt from each of `addresses` (the current role's request headers are replaced).
create function pg_temp.attempts_from(addresses text[], email text, password text)
returns text[]
language plpgsql
as $$
declare
    states text[] := '{}';
    address text;
begin
    foreach address in array addresses loop
        perform set_config(
            'request.headers', jsonb_build_object('x-forwarded-for', address)::text, true
        );
        states := states || pg_temp.attempts(email, password, 1);
    end loop;
    return states;
end
$$;

grant execute on function pg_temp.attempts_from(text[], text, text) to anon;

reset role;
select pg_temp.act_as('anon', '192.0.2.1');
select is(
    pg_temp.attempts('bea@example.com', 'wrong password', 11),
    array_fill('PT400'::text, array[10]) || 'PGRST'::text,
    'ten wrong passwords from one address, then that address waits (429) before the bcrypt check'
);
select throws_ok(
    $$ select auth.sign_in_with_password('bea@example.com', 'correct horse') $$,
    'PGRST', null, 'the right password waits too at that address'
);
reset role;
select pg_temp.act_as('anon', '192.0.2.2');
select lives_ok(
    $$ select auth.sign_in_with_password('bea@example.com', 'correct horse') $$,
    'the owner still signs in from another address'
);

reset role;
select pg_temp.act_as('anon', '192.0.2.3');
select is(
    pg_temp.attempts('ELI@EXAMPLE.COM', 'wrong password', 5)
    || pg_temp.attempts('  eli@example.com ', 'wrong password', 5)
    || pg_temp.attempts('eli@example.com', 'wrong password', 1),
    array_fill('PT400'::text, array[10]) || 'PGRST'::text,
    'upper-case and padded spellings of an email count as the email'
);

reset role;
update rate_limit.limits set capacity = 2
where action = 'auth.sign_in.email_address';
reset role;
select pg_temp.act_as('anon', '192.0.2.4');
select is(
    pg_temp.attempts('flo@example.com', 'wrong password', 1)
    || pg_temp.attempts('flo@example.com', 'correct horse', 1)
    || pg_temp.attempts('flo@example.com', 'wrong password', 2),
    array['PT400', 'ok', 'PT400', 'PT400'],
    'a successful sign-in starts the (email, address) count afresh'
);
select is(
    pg_temp.attempts('flo@example.com', 'correct horse', 1), array['PGRST'],
    'past the count, the next attempt waits'
);
reset role;
select ok(
    (
        select extract(epoch from b.next_at - clock_timestamp()) between 0 and 1
        from rate_limit.backoffs as b
        where b.action = 'auth.sign_in.email_address' and b.subject = 'flo@example.com 192.0.2.4'
    ),
    'the first wait is 1 s'
);

reset role;
update rate_limit.limits set capacity = 3
where action = 'auth.sign_in.email';
reset role;
select pg_temp.act_as('anon', '198.51.100.1');
select is(
    pg_temp.attempts('gia@example.com', 'correct horse', 1), array['ok'],
    'gia signs in from her usual address'
);
select is(
    pg_temp.attempts_from(
        array['198.51.100.2', '198.51.100.3', '198.51.100.4'], 'gia@example.com', 'wrong password'
    ),
    array['PT400', 'PT400', 'PT400'],
    'strangers guess from three addresses'
);
reset role;
select pg_temp.act_as('anon', '198.51.100.5');
select is(
    pg_temp.attempts('gia@example.com', 'correct horse', 1), array['PGRST'],
    'past the per-email ceiling, strangers'' addresses wait'
);
reset role;
select pg_temp.act_as('anon', '198.51.100.1');
select is(
    pg_temp.attempts('gia@example.com', 'correct horse', 1), array['ok'],
    'the owner''s usual address is not held by the per-email ceiling'
);

reset role;
update rate_limit.limits set capacity = 3
where action = 'auth.sign_in.address';
reset role;
select pg_temp.act_as('anon', '2001:db8:1:2::7');
select is(
    pg_temp.attempts('sprayed1@example.com', 'wrong password', 1)
    || pg_temp.attempts('sprayed2@example.com', 'wrong password', 1)
    || pg_temp.attempts('sprayed3@example.com', 'wrong password', 1),
    array['PT400', 'PT400', 'PT400'],
    'one address tries three emails'
);
reset role;
select pg_temp.act_as('anon', '2001:db8:1:2:ffff::9');
select is(
    pg_temp.attempts('another@example.com', 'wrong password', 1), array['PGRST'],
    'one /64 sprays at most the per-address burst over any emails'
);
reset role;
select pg_temp.act_as('anon', '2001:db8:1:3::7');
select is(
    pg_temp.attempts('another@example.com', 'wrong password', 1), array['PT400'],
    'another /64 is counted apart'
);

-- ===== figures from rate_limit.limits override the defaults =====
reset role;
insert into rate_limit.limits (action, capacity, refill_per_second, description)
values ('auth.sign_up', 1, 0.001, 'test: one sign-up per address');
reset role;
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
