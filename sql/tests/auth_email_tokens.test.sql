-- Email-flow tokens (issue 20): stored hashed, single-use, bound to their address, refused
-- when expired, out of the API roles' reach, and the mail limit per address.
begin;
set local search_path = extensions, public, tests;
select plan(10);

select
    table_privs_are(
        'auth', 'one_time_tokens', r, '{}', format('%s has no privilege on auth.one_time_tokens', r)
    )
from unnest(array['anon', 'authenticated', 'service_role']) as r;
select function_privs_are(
    'auth', 'issue_email_token',
    array['text', 'text', 'integer', 'text', 'boolean', 'jsonb', 'boolean'],
    'anon', array[]::text[], 'anon may not issue tokens (only the auth server mails them)'
);

create temporary table issued on commit drop as
select auth.issue_email_token('magiclink', 'Otp@PgTap.test', 600, null, true) as t;

select is(
    (
        select count(*) from auth.one_time_tokens as o, issued as i
        where
            o.token_hash = digest(i.t ->> 'token', 'sha256')
            and o.code_hash = digest('otp@pgtap.test:' || (i.t ->> 'code'), 'sha256')
            and position((i.t ->> 'code') in o::text) = 0
    ),
    1::bigint,
    'the token and the code are stored as hashes only'
);
select is(
    auth.verify_email_token('email', (select t ->> 'code' from issued), 'other@pgtap.test')
    -> 'error' ->> 'code',
    'otp_expired',
    'a code for another address is refused'
);
select ok(
    auth.verify_email_token('email', (select t ->> 'code' from issued), 'otp@pgtap.test')
    ? 'session',
    'the code signs in with its address'
);
select is(
    auth.verify_email_token('email', (select t ->> 'code' from issued), 'otp@pgtap.test')
    -> 'error' ->> 'code',
    'otp_expired',
    'a code works once'
);
select throws_ok(
    $$ select auth.issue_email_token('recovery', 'otp@pgtap.test', 600) $$,
    'PT429', null, 'a second mail to the address within the minute is refused'
);

update auth.one_time_tokens set expires_at = now() - interval '1 second';
insert into auth.one_time_tokens (user_id, token_type, email, token_hash, code_hash, expires_at)
select
    u.id,
    'recovery' as token_type,
    u.email,
    digest('expired', 'sha256') as token_hash,
    digest('x', 'sha256') as code_hash,
    now() - interval '1 second' as expires_at
from auth.users as u
where u.email = 'otp@pgtap.test';
select is(
    auth.verify_email_token('recovery', 'expired') -> 'error' ->> 'code',
    'otp_expired',
    'an expired link is refused'
);

select finish();
rollback;
