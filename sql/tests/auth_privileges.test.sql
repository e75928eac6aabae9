-- Privileges of the auth objects: no API role touches the tables; each function is executable
-- by exactly the roles that need it; definer functions pin an empty search_path.
begin;
set local search_path = extensions, public, tests;
select plan(35);

-- ===== tables =====
select table_privs_are('auth', 'users', r, '{}', format('%s has no privilege on auth.users', r))
from unnest(array['anon', 'authenticated', 'service_role']) as r;
select
    table_privs_are(
        'auth', 'sessions', r, '{}', format('%s has no privilege on auth.sessions', r)
    )
from unnest(array['anon', 'authenticated', 'service_role']) as r;
select
    table_privs_are(
        'auth', 'refresh_tokens', r, '{}', format('%s has no privilege on auth.refresh_tokens', r)
    )
from unnest(array['anon', 'authenticated', 'service_role']) as r;
select
    table_privs_are(
        'app_private', 'secrets', r, '{}', format('%s has no privilege on app_private.secrets', r)
    )
from unnest(array['anon', 'authenticated', 'service_role']) as r;
select
    table_privs_are(
        'auth', 'identities', r, '{}', format('%s has no privilege on auth.identities', r)
    )
from unnest(array['anon', 'authenticated', 'service_role']) as r;
select
    table_privs_are(
        'auth', 'flow_state', r, '{}', format('%s has no privilege on auth.flow_state', r)
    )
from unnest(array['anon', 'authenticated', 'service_role']) as r;
select is_empty(
    $$ select c.oid::regclass from pg_class as c
        where c.oid in ('auth.users'::regclass, 'auth.sessions'::regclass,
            'auth.identities'::regclass, 'auth.flow_state'::regclass,
            'auth.refresh_tokens'::regclass, 'app_private.secrets'::regclass)
        and not c.relrowsecurity $$,
    'RLS is enabled on every auth table'
);

-- ===== functions =====
select set_eq(
    $$ select p.oid::regprocedure::text, r.rolname::text
        from pg_proc as p
        cross join (select rolname from pg_roles
            where rolname in ('anon', 'authenticated', 'service_role')) as r
        where p.pronamespace = 'auth'::regnamespace
        and has_function_privilege(r.rolname, p.oid, 'execute') $$,
    $$ select f, r from unnest(array[
            'auth.jwt()', 'auth.uid()', 'auth.role()', 'auth.email()',
            'auth.session_is_active(uuid)', 'auth.sign_up(text,text,jsonb)',
            'auth.sign_in_with_password(text,text)', 'auth.sign_up_unconfirmed(text,text,jsonb)',
            'auth.refresh_session(text)', 'auth.revoke_session_on_token_reuse(text)',
            'auth.verify_email_token(text,text,text)', 'auth.verify_email_change(text,text)',
            'auth.sign_in_anonymously(jsonb)', 'auth.exchange_auth_code(text,text)'
        ]) as f
        cross join unnest(array['anon', 'authenticated', 'service_role']) as r
        union all
        select f, 'authenticated' from unnest(array[
            'auth.sign_out(text)', 'auth.get_user()', 'auth.update_user(jsonb)',
            'auth.update_user_with_nonce(jsonb,text)', 'auth.get_user_identities()',
            'auth.unlink_identity(uuid)', 'auth.mfa_enroll(text,text,integer,integer)',
            'auth.mfa_challenge(uuid,integer)', 'auth.mfa_verify(uuid,uuid,bigint)',
            'auth.mfa_unenroll(uuid)'
        ]) as f
        union all
        select f, 'service_role' from unnest(array[
            'auth.admin_create_user(jsonb)', 'auth.admin_list_users(integer,integer)',
            'auth.admin_get_user(uuid)', 'auth.admin_update_user(uuid,jsonb)',
            'auth.admin_delete_user(uuid)',
            'auth.issue_email_token(text,text,integer,text,boolean,jsonb,boolean)',
            'auth.issue_reauthentication_nonce(uuid,integer)',
            'auth.request_email_change(uuid,text,integer,text)',
            'auth.mfa_verification_secret(uuid,uuid,uuid,integer)',
            'auth.admin_list_factors(uuid)', 'auth.admin_update_factor(uuid,uuid,jsonb)',
            'auth.admin_delete_factor(uuid,uuid)',
            'auth.admin_list_users(integer,integer,text,text)',
            'auth.admin_request_email_change(text,text,text,integer,text)',
            'auth.begin_email_flow(uuid,text,text,text,text)',
            'auth.issue_email_auth_code(uuid,text)',
            'auth.begin_oauth_flow(text,bytea,text,text,text,text,text,uuid)',
            'auth.take_oauth_flow(bytea)', 'auth.sign_in_with_identity(text,text,jsonb,uuid)'
        ]) as f $$,
    'API roles execute exactly the auth functions meant for them'
);
select function_privs_are(
    'auth', 'sign_up', array['text', 'text', 'jsonb'], 'anon', array['EXECUTE'],
    'anon may sign up'
);
select function_privs_are(
    'auth', 'sign_in_anonymously', array['jsonb'], 'anon', array['EXECUTE'],
    'anon may sign in as a guest'
);
select isnt_definer(
    'app_private', 'purge_stale_anonymous_users', array['interval'],
    'the guests purge runs as its caller (pg_cron)'
);
select function_privs_are(
    'app_private', 'purge_stale_anonymous_users', array['interval'], 'service_role',
    array[]::text[], 'no API role may purge guests'
);
select function_privs_are(
    'auth', 'get_user', array[]::text[], 'anon', array[]::text[], 'anon may not get a user'
);
select function_privs_are(
    'auth', 'admin_list_users', array['integer', 'integer'], 'authenticated', array[]::text[],
    'users may not list users'
);
select function_privs_are(
    'auth', 'admin_list_users', array['integer', 'integer'], 'service_role', array['EXECUTE'],
    'the service role may list users'
);
select function_privs_are(
    'auth', 'jwt_sign', array['jsonb', 'text'], 'anon', array[]::text[], 'anon may not sign JWTs'
);
select is_empty(
    $$ select p.oid::regprocedure from pg_proc as p
        where p.pronamespace = 'auth'::regnamespace
        and not coalesce('search_path=""' = any(p.proconfig), false)
        and p.proname not in ('jwt', 'uid', 'role', 'email') $$,
    'every auth function but the inlinable claim helpers pins search_path to empty'
);
-- The claim helpers have no SET clause so that Postgres inlines them (ADR 0034): their bodies
-- name every function, type and operator by schema, so a caller's search_path cannot change
-- their answer, even with look-alike operators placed before pg_catalog.
select is(
    (
        select pg_catalog.count(*)::integer
        from pg_proc as p
        inner join pg_language as l on p.prolang = l.oid
        where
            p.pronamespace = 'auth'::regnamespace
            and p.proname in ('jwt', 'uid', 'role', 'email')
            and l.lanname = 'sql'
            and not p.prosecdef
            and p.proconfig is null
            and p.provolatile = 's'
    ),
    4,
    'the claim helpers are inlinable: SQL, stable, invoker, no SET clause'
);
-- Look-alike operators for jsonb ->> text and text = text, in a schema placed before pg_catalog.
do $$
begin
    create schema look_alike;
    create function look_alike.hijack(jsonb, text) returns text language sql immutable
    as 'select ''00000000-0000-4000-a000-00000000dead''';
    create operator look_alike.->> (
        leftarg = jsonb, rightarg = text, function = look_alike.hijack
    );
    create function look_alike.always(text, text) returns boolean language sql immutable
    as 'select false';
    create operator look_alike.= (leftarg = text, rightarg = text, function = look_alike.always);
end
$$;
select set_config(
    'request.jwt.claims',
    '{"sub": "00000000-0000-4000-a000-000000000042", "role": "authenticated", "email": "a@b.c"}',
    true
);
-- Read under the hostile search_path, compared after it is gone (pgTAP's own `=` would be
-- hijacked too).
set local search_path = look_alike, pg_catalog;
create temporary table claim_reads on commit drop as
select
    auth.uid()::text as uid,
    auth.role() as role,
    auth.email() as email,
    auth.jwt() operator (pg_catalog.->>) 'sub' as sub;
select set_config('request.jwt.claims', '', true);
insert into claim_reads (uid, role, email, sub)
select
    auth.uid()::text as uid,
    auth.role() as role,
    coalesce(auth.jwt()::text, 'no claims') as email,
    null as sub;
reset search_path;
select results_eq(
    $$ select uid, role, email, sub from claim_reads $$,
    $$ values
        ('00000000-0000-4000-a000-000000000042', 'authenticated', 'a@b.c',
            '00000000-0000-4000-a000-000000000042'),
        (null, null, 'no claims', null) $$,
    'a search_path with look-alike operators first changes nothing the claim helpers return'
);
select is_empty(
    $$ select p.oid::regprocedure from pg_proc as p
        where p.pronamespace = 'auth'::regnamespace and p.prosecdef
        and p.proname not in ('session_is_active', 'sign_up', 'sign_in_with_password',
            'sign_up_unconfirmed', 'refresh_session', 'revoke_session_on_token_reuse',
            'sign_out', 'get_user', 'update_user', 'admin_create_user', 'admin_list_users',
            'admin_get_user', 'admin_update_user', 'admin_delete_user',
            'issue_email_token', 'verify_email_token', 'issue_reauthentication_nonce',
            'update_user_with_nonce', 'request_email_change', 'verify_email_change',
            'sign_in_anonymously', 'get_user_identities', 'unlink_identity',
            'mfa_enroll', 'mfa_challenge', 'mfa_verification_secret', 'mfa_verify',
            'mfa_unenroll', 'admin_list_factors', 'admin_update_factor',
            'admin_delete_factor', 'admin_request_email_change', 'begin_email_flow',
            'issue_email_auth_code', 'begin_oauth_flow',
            'take_oauth_flow',
            'sign_in_with_identity', 'exchange_auth_code') $$,
    'only the API functions are security definer'
);
select is_definer('auth', 'sign_in_with_password', array['text', 'text'], 'sign-in is definer');
select isnt_definer('auth', 'uid', array[]::text[], 'auth.uid() runs as the caller');

-- ===== an API role really cannot read the tables =====
grant execute on all functions in schema extensions to anon;
set local role anon;
select throws_ok($$ select * from auth.users $$, '42501', null, 'anon cannot read auth.users');
reset role;

select finish();
rollback;
