-- Social sign-in in SQL (issue 20): flows are single-use, identities sign in, link and create
-- users by GoTrue's rules, PKCE codes need their verifier; only the auth server (service_role)
-- may record flows or sign identities in; anon, users and guests may not.

begin;
set local search_path = public, extensions, tests;
select plan(21);

-- Arrange (as the superuser): a confirmed account, an unconfirmed one, a guest, an admin.
insert into auth.users (id, email, email_confirmed_at) values
(md5('owner')::uuid, 'owner@pgtap.test', now()),
(md5('pending')::uuid, 'pending@pgtap.test', null),
(md5('admin')::uuid, 'admin@pgtap.test', now());
insert into auth.users (id, email, is_anonymous) values (md5('guest')::uuid, null, true);
insert into app_private.user_roles (user_id, role) values (md5('admin')::uuid, 'admin');

create function pg_temp.identity(login text, verified boolean default true)
returns jsonb
language sql
as $$
    select jsonb_build_object(
        'sub', login, 'provider_id', login, 'email', login || '@pgtap.test',
        'email_verified', verified, 'phone_verified', false
    )
$$;

create function pg_temp.flow(
    state text, challenge text default null, link uuid default null
) returns uuid
language sql
as $$
    select auth.begin_oauth_flow(
        'google', digest(state, 'sha256'), 'verifier', 'nonce', 'http://localhost:3000',
        challenge, case when challenge is not null then 'S256' end, link
    )
$$;

grant execute on function pg_temp.identity(text, boolean) to anon, authenticated, service_role;
grant execute on function pg_temp.flow(text, text, uuid) to service_role;

-- ======================================================================= who may call
select tests.act_as('anon');
select throws_ok(
    $$ select auth.begin_oauth_flow('google', '\x00', 'v', 'n', 'http://x') $$, '42501', null,
    'anon may not record a flow'
);
select throws_ok(
    $$ select auth.sign_in_with_identity('google', 'x', pg_temp.identity('x')) $$, '42501', null,
    'anon may not sign an identity in'
);
select tests.act_as('owner');
select throws_ok(
    $$ select auth.sign_in_with_identity('google', 'x', pg_temp.identity('x')) $$, '42501', null,
    'a user may not sign an identity in'
);
select throws_ok($$ select * from auth.flow_state $$, '42501', null, 'a user cannot read flows');
select tests.act_as('admin');
select throws_ok(
    $$ select auth.take_oauth_flow('\x00') $$, '42501', null,
    'an admin (app role) may not take a flow either'
);
select tests.act_as('guest');
select throws_ok(
    $$ select auth.take_oauth_flow('\x00') $$, '42501', null, 'a guest may not take a flow'
);
reset role;

-- ======================================================================= flows
set local role service_role;
select pg_temp.flow('s1');
select is(
    auth.take_oauth_flow(digest('s1', 'sha256')) ->> 'provider_type', 'google',
    'the state gives its flow back'
);
select throws_like(
    $$ select auth.take_oauth_flow(digest('s1', 'sha256')) $$, 'OAuth callback with invalid state',
    'a state works once'
);
reset role;
update auth.flow_state set
    created_at = now() - interval '11 minutes', state_hash = digest('s2', 'sha256');
set local role service_role;
select throws_like(
    $$ select auth.take_oauth_flow(digest('s2', 'sha256')) $$, 'OAuth callback with invalid state',
    'a state older than 10 minutes is refused'
);

-- ======================================================================= identities
select ok(
    auth.sign_in_with_identity('google', 'newcomer', pg_temp.identity('newcomer')) ? 'access_token',
    'a new identity signs in with a session'
);
reset role;
select is(
    (
        select raw_app_meta_data -> 'providers' from auth.users
        where email = 'newcomer@pgtap.test'
    ),
    '["google"]'::jsonb, 'the new user is a google user'
);
select is(
    (
        select array_agg(i.provider) from auth.identities as i
        inner join auth.users as u on i.user_id = u.id
        where u.email = 'newcomer@pgtap.test'
    ),
    array['google'], 'a provider''s user has no email identity, as GoTrue'
);
set local role service_role;
select is(
    auth.sign_in_with_identity('google', 'newcomer', pg_temp.identity('newcomer')) #>> '{user,id}',
    (
        select
            auth.sign_in_with_identity('google', 'newcomer', pg_temp.identity('newcomer'))
            #>> '{user,id}'
    ),
    'the same identity finds the same user'
);
select is(
    auth.sign_in_with_identity('google', 'owner-g', pg_temp.identity('owner')) #>> '{user,id}',
    md5('owner')::uuid::text, 'a verified address links to its confirmed account'
);
select throws_like(
    $$ select auth.sign_in_with_identity('discord', 'fake', pg_temp.identity('owner', false)) $$,
    'A user with this email address has already been registered',
    'an unverified address never takes over its account'
);
select throws_like(
    $$ select auth.sign_in_with_identity('google', 'pending-g', pg_temp.identity('pending')) $$,
    'A user with this email address has already been registered',
    'nor does a verified one over an unconfirmed account'
);
select is(
    auth.sign_in_with_identity(
        'google', 'guest-g', pg_temp.identity('guest-g'),
        pg_temp.flow('s3', null, md5('guest')::uuid)
    ) #>> '{user,is_anonymous}',
    'false', 'a guest linking a provider becomes permanent'
);
select throws_like(
    $$ select auth.sign_in_with_identity('google', 'owner-g', pg_temp.identity('owner'),
        pg_temp.flow('s4', null, md5('admin')::uuid)) $$,
    'Identity is already linked to another user', 'an identity links to one user only'
);

-- ======================================================================= PKCE codes
create temporary table code on commit drop as
select auth.sign_in_with_identity(
    'google', 'pkce-user', pg_temp.identity('pkce-user'),
    pg_temp.flow(
        's5', translate(rtrim(encode(digest(repeat('v', 50), 'sha256'), 'base64'), '='), '+/', '-_')
    )
) ->> 'auth_code' as value;
grant select on code to anon;
select throws_like(
    $$ select auth.exchange_auth_code((select value from code), repeat('w', 50)) $$,
    'code challenge does not match previously saved code verifier',
    'a code needs its verifier'
);
set local role anon;
select ok(
    auth.exchange_auth_code((select value from code), repeat('v', 50)) ? 'access_token',
    'anon trades a code and its verifier for the session'
);
select throws_like(
    $$ select auth.exchange_auth_code((select value from code), repeat('v', 50)) $$,
    'invalid flow state, no valid flow state found', 'a code works once'
);
reset role;

select finish();
rollback;
