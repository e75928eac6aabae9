-- MFA in SQL (issue 20): the factor tables are private, a verification needs the challenge,
-- refuses a used time step and upgrades the session (aal2, amr totp); guests and aal1 sessions
-- get GoTrue's refusals.

begin;
set local search_path = extensions, public, tests;
select plan(26);

-- Arrange (as the superuser): ann with a session; guest is anonymous, with a session too.
select set_config('app.roll_source', 'dice-service', true);
insert into app_private.secrets (name, value) values ('jwt_secret', repeat('s', 40))
on conflict (name) do nothing;
insert into auth.users (id, email) values (md5('ann')::uuid, 'ann@pgtap.test');
insert into auth.users (id, email, is_anonymous) values (md5('guest')::uuid, null, true);
insert into auth.sessions (id, user_id) values
(md5('ann-session')::uuid, md5('ann')::uuid),
(md5('ann-other')::uuid, md5('ann')::uuid),
(md5('guest-session')::uuid, md5('guest')::uuid);

create function pg_temp.act_in(actor text, session text)
returns void
language sql
as $$
    select
        tests.act_as(actor),
        set_config(
            'request.jwt.claims',
            (current_setting('request.jwt.claims')::jsonb
            || jsonb_build_object('session_id', md5(session)::uuid))::text,
            true
        )
$$;

grant execute on function pg_temp.act_in(text, text) to anon, authenticated;

-- ============================================================================ structure
select table_privs_are('auth', t, r, '{}', format('%s has no privilege on auth.%s', r, t))
from unnest(array['mfa_factors', 'mfa_challenges', 'mfa_amr_claims']) as t
cross join unnest(array['anon', 'authenticated', 'service_role']) as r;
select is_empty(
    $$ select c.oid::regclass from pg_class as c
        where c.oid in ('auth.mfa_factors'::regclass, 'auth.mfa_challenges'::regclass,
            'auth.mfa_amr_claims'::regclass)
        and not c.relrowsecurity $$,
    'RLS is enabled on the MFA tables'
);
select function_privs_are(
    'auth', 'mfa_verification_secret', array['uuid', 'uuid', 'uuid', 'integer'], 'authenticated',
    array[]::text[], 'a user cannot read a factor secret'
);

-- ============================================================================ guest
select pg_temp.act_in('guest', 'guest-session');
select throws_ok(
    $$ select auth.mfa_enroll('', 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', 10, 300) $$,
    'PT403', 'Anonymous user not allowed to perform these actions', 'guests cannot enroll'
);

-- ============================================================================ user
select pg_temp.act_in('ann', 'ann-session');
select lives_ok(
    $$ select set_config('pgtap.factor', (auth.mfa_enroll(
        'phone', 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', 2, 300) -> 'factor' ->> 'id'), true) $$,
    'a user enrolls a TOTP factor'
);
select throws_ok(
    $$ select auth.mfa_enroll('phone', 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', 2, 300) $$,
    'PT422', null, 'friendly names are unique per user'
);
select lives_ok(
    $$ select auth.mfa_enroll('', 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', 2, 300) $$,
    'an unnamed second factor'
);
select throws_ok(
    $$ select auth.mfa_enroll('', 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', 2, 300) $$,
    'PT422', 'Maximum number of verified factors reached, unenroll to continue',
    'at most max_factors factors'
);
select lives_ok(
    $$ select set_config('pgtap.challenge', auth.mfa_challenge(
        current_setting('pgtap.factor')::uuid, 300) ->> 'id', true) $$,
    'a user opens a challenge'
);
select throws_ok(
    $$ select auth.mfa_verify(
        current_setting('pgtap.factor')::uuid, gen_random_uuid(), 100) $$,
    'PT422', 'MFA factor with the provided challenge ID not found', 'an unknown challenge'
);
select lives_ok(
    $$ select auth.mfa_verify(
        current_setting('pgtap.factor')::uuid, current_setting('pgtap.challenge')::uuid, 100) $$,
    'a verification at time step 100'
);
reset role;
select is(
    (
        select s.aal from auth.sessions as s
        where s.id = md5('ann-session')::uuid
    ), 'aal2',
    'the session is aal2'
);
select is(
    (
        select status from auth.mfa_factors
        where user_id = md5('ann')::uuid
    ),
    'verified', 'the factor is verified and the unnamed unverified one is gone'
);
select is(
    (
        select revoked_reason from auth.sessions
        where id = md5('ann-other')::uuid
    ),
    'mfa_enrolled', 'the user''s other aal1 session ended'
);
select
    is(
        auth.session_amr(s, u) -> 0 ->> 'method', 'totp', 'amr starts with totp'
    )
from auth.sessions as s
inner join auth.users as u on s.user_id = u.id
where s.id = md5('ann-session')::uuid;
select
    is(
        auth.session_amr(s, u) -> 1 ->> 'method', 'password', 'then the first factor'
    )
from auth.sessions as s
inner join auth.users as u on s.user_id = u.id
where s.id = md5('ann-session')::uuid;

select pg_temp.act_in('ann', 'ann-session');
select set_config('pgtap.challenge', auth.mfa_challenge(
    current_setting('pgtap.factor')::uuid, 300
) ->> 'id', true);
select throws_ok(
    $$ select auth.mfa_verify(
        current_setting('pgtap.factor')::uuid, current_setting('pgtap.challenge')::uuid, 100) $$,
    'PT422', 'Invalid TOTP code entered', 'a code of a used time step is a replay'
);
select lives_ok(
    $$ select auth.mfa_unenroll(current_setting('pgtap.factor')::uuid) $$,
    'an aal2 session unenrolls a verified factor'
);

select finish();
rollback;
