-- AAL2 in RLS (issue 20): editing another user's profile, a user manager's admin action, needs
-- an aal2 token once the editor has a verified MFA factor (restrictive policy on
-- public.profiles, helper app_private.assurance_satisfied()). Own profiles never need it.

begin;
set local search_path = public, extensions, tests;
select plan(13);

-- Arrange (as the superuser): admin (user.manage) has a verified TOTP factor, admin2 has none;
-- player has a verified factor too; gm and other are plain users.
insert into auth.users (id, email)
select
    md5(u)::uuid as id,
    u || '@pgtap.test' as email
from unnest(array['gm', 'player', 'other', 'admin', 'admin2']) as u;
insert into app_private.user_roles (user_id, role) values
(md5('admin')::uuid, 'admin'),
(md5('admin2')::uuid, 'admin');
insert into auth.mfa_factors (user_id, factor_type, status, secret)
select
    md5(u)::uuid as user_id,
    'totp' as factor_type,
    'verified' as status,
    'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' as secret
from unnest(array['admin', 'player']) as u;

-- Act as `actor` with the aal claim a session token carries (null: no claim).
create function pg_temp.act_at(actor text, aal text)
returns void
language sql
as $$
    select
        tests.act_as(actor),
        set_config(
            'request.jwt.claims',
            (current_setting('request.jwt.claims')::jsonb
            || coalesce(jsonb_build_object('aal', aal), '{}'))::text,
            true
        )
$$;

create function pg_temp.rename(target text) returns text
language sql
as $$
    select format(
        'update public.profiles set display_name = %L where id = md5(%L)::uuid', 'Renamed', target
    )
$$;

grant execute on function pg_temp.act_at(text, text) to anon, authenticated, service_role;
grant execute on function pg_temp.rename(text) to anon, authenticated, service_role;

-- ============================================================================ structure
select policy_cmd_is(
    'public', 'profiles', 'Editing another user''s profile needs aal2 from enrolled editors',
    'update', 'the aal2 policy covers updates'
);
select policy_roles_are(
    'public', 'profiles', 'Editing another user''s profile needs aal2 from enrolled editors',
    array['authenticated'], 'the aal2 policy is for signed-in users'
);
select ok(
    (
        select p.permissive = 'RESTRICTIVE' from pg_catalog.pg_policies as p
        where
            p.tablename = 'profiles'
            and p.policyname = 'Editing another user''s profile needs aal2 from enrolled editors'
    ),
    'the aal2 policy is restrictive'
);

-- ============================================================================ anon
select pg_temp.act_at('anon', null);
select throws_ok(pg_temp.rename('player'), '42501', null, 'anon cannot edit profiles');

-- ============================================================================ player
select pg_temp.act_at('player', 'aal1');
select is(
    tests.affected(pg_temp.rename('player')), 1,
    'an enrolled player edits their own profile at aal1'
);

-- ============================================================================ another player
select pg_temp.act_at('other', 'aal2');
select is(
    tests.affected(pg_temp.rename('player')), 0,
    'aal2 gives another player no right to edit someone else''s profile'
);

-- ============================================================================ game master
select pg_temp.act_at('gm', 'aal1');
select is(tests.affected(pg_temp.rename('player')), 0, 'a gm cannot edit a player''s profile');

-- ============================================================================ admin
select pg_temp.act_at('admin', 'aal1');
select is(
    tests.affected(pg_temp.rename('player')), 0,
    'an admin with a verified factor cannot edit another profile at aal1'
);
select pg_temp.act_at('admin', null);
select is(
    tests.affected(pg_temp.rename('player')), 0,
    'a token without aal counts as aal1'
);
select is(
    tests.affected(pg_temp.rename('admin')), 1,
    'the enrolled admin still edits their own profile at aal1'
);
select pg_temp.act_at('admin', 'aal2');
select is(
    tests.affected(pg_temp.rename('player')), 1,
    'an admin with a verified factor edits another profile at aal2'
);
select pg_temp.act_at('admin2', 'aal1');
select is(
    tests.affected(pg_temp.rename('player')), 1,
    'an admin without a factor edits another profile at aal1 (nothing to ask for)'
);

-- ============================================================================ service role
reset role;
select set_config('request.jwt.claims', '{"role": "service_role"}', true);
set local role service_role;
select is(
    tests.affected(pg_temp.rename('player')), 1, 'the service role edits any profile'
);
reset role;

select finish();
rollback;
