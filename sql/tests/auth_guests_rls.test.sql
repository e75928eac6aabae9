-- Guests (is_anonymous in the JWT): where RLS tells them apart. They may not create campaigns;
-- they read public campaigns and still play in a campaign they joined.

begin;
set local search_path = public, extensions, tests;
select plan(9);

-- Arrange (as the superuser): gm runs c1 (private) with player and guest as players; c2 is
-- public; admin holds the admin app role; guest is an anonymous account (no email).
insert into auth.users (id, email)
select
    md5(u)::uuid as id,
    u || '@pgtap.test' as email
from unnest(array['gm', 'player', 'other', 'admin']) as u;
insert into auth.users (id, email, is_anonymous) values (md5('guest')::uuid, null, true);
insert into app_private.user_roles (user_id, role) values (md5('admin')::uuid, 'admin');
insert into public.campaigns (id, owner_id, name, target_language, visibility) values
(md5('c1')::uuid, md5('gm')::uuid, 'Private campaign', 'es', 'private'),
(md5('c2')::uuid, md5('gm')::uuid, 'Public campaign', 'ja', 'public');
insert into public.campaign_members (campaign_id, user_id, role) values
(md5('c1')::uuid, md5('player')::uuid, 'player'),
(md5('c1')::uuid, md5('guest')::uuid, 'player');

-- Act as `actor` with the is_anonymous claim a session token carries.
create function pg_temp.act_with_flag(actor text, guest boolean)
returns void
language sql
as $$
    select
        tests.act_as(actor),
        set_config(
            'request.jwt.claims',
            (current_setting('request.jwt.claims')::jsonb
            || jsonb_build_object('is_anonymous', guest))::text,
            true
        )
$$;

create function pg_temp.create_campaign() returns text
language sql
as $$
    select 'insert into public.campaigns (name, target_language) values (''New'', ''fr'')'
$$;

grant execute on function pg_temp.act_with_flag(text, boolean) to anon, authenticated;
grant execute on function pg_temp.create_campaign() to anon, authenticated;

-- ============================================================================ anon
select tests.act_as('anon');
select throws_ok(pg_temp.create_campaign(), '42501', null, 'anon cannot create campaigns');

-- ============================================================================ guest
select pg_temp.act_with_flag('guest', true);
select throws_ok(pg_temp.create_campaign(), '42501', null, 'a guest cannot create campaigns');
select is(
    tests.visible('campaigns', array['c1', 'c2']), array['c1', 'c2'],
    'a guest reads the campaign they joined and the public one'
);

-- ============================================================================ player
select pg_temp.act_with_flag('player', false);
select is(tests.affected(pg_temp.create_campaign()), 1, 'a player creates a campaign');

-- ============================================================================ other
select pg_temp.act_with_flag('other', false);
select is(tests.affected(pg_temp.create_campaign()), 1, 'another player creates a campaign');
select is(
    tests.visible('campaigns', array['c1', 'c2']), array['c2'],
    'another player reads the public campaign only'
);

-- ============================================================================ gm
select pg_temp.act_with_flag('gm', false);
select is(tests.affected(pg_temp.create_campaign()), 1, 'a gm creates a campaign');

-- ============================================================================ admin
select pg_temp.act_with_flag('admin', false);
select is(tests.affected(pg_temp.create_campaign()), 1, 'an admin creates a campaign');

-- ============================================================================ no claim
select tests.act_as('player');
select is(
    tests.affected(pg_temp.create_campaign()), 1,
    'a token without is_anonymous counts as a permanent user'
);

select finish();
rollback;
