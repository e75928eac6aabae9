-- RLS of public.campaign_rules: readers of a campaign read its DC table; its gm writes it.

begin;
set local search_path = public, extensions, tests;
select plan(17);

-- Arrange (as the superuser). Every row's id is md5(<label>)::uuid, so a label names it.
-- Users: gm runs c1 (private) with player and observer; gm2 runs c2 (public) with other as
-- player; admin holds the admin app role.
insert into auth.users (id, email)
select
    md5(u)::uuid as id,
    u || '@pgtap.test' as email
from unnest(array['gm', 'player', 'other', 'observer', 'admin', 'gm2']) as u;
insert into app_private.user_roles (user_id, role) values (md5('admin')::uuid, 'admin');
insert into public.campaigns (id, owner_id, name, target_language, visibility) values
(md5('c1')::uuid, md5('gm')::uuid, 'Private campaign', 'es', 'private'),
(md5('c2')::uuid, md5('gm2')::uuid, 'Public campaign', 'ja', 'public'),
(md5('c3')::uuid, md5('gm')::uuid, 'Archived campaign', 'es', 'private'),
(md5('c4')::uuid, md5('gm')::uuid, 'Campaign without rules', 'es', 'private');
insert into public.campaign_members (campaign_id, user_id, role) values
(md5('c1')::uuid, md5('player')::uuid, 'player'),
(md5('c1')::uuid, md5('observer')::uuid, 'observer'),
(md5('c2')::uuid, md5('other')::uuid, 'player');
insert into public.campaign_rules (campaign_id, dc_b2) values
(md5('c1')::uuid, 15), (md5('c2')::uuid, 13), (md5('c3')::uuid, 16);
update public.campaigns set status = 'archived'
where id = md5('c3')::uuid;

create function pg_temp.readable_rules()
returns text[]
language sql
as $$
    select coalesce(array_agg(c order by c), '{}') from unnest(array['c1', 'c2', 'c3']) as c
    where exists (select from public.campaign_rules as r where r.campaign_id = md5(c)::uuid)
$$;
grant execute on function pg_temp.readable_rules() to anon, authenticated;

-- ============================================================================ structure
select policies_are(
    'public', 'campaign_rules',
    array[
        'Anyone reads the rules of public campaigns',
        'Users read the rules of campaigns they can read',
        'Game masters set the rules of live campaigns',
        'Game masters change the rules of live campaigns',
        'Game masters reset the rules of live campaigns'
    ],
    'campaign_rules has exactly its policies'
);
select ok(
    (
        select c.relrowsecurity from pg_class as c
        where c.oid = 'public.campaign_rules'::regclass
    ),
    'RLS is enabled on campaign_rules'
);
select throws_ok(
    $$ insert into public.campaign_rules (campaign_id, dc_a1) values (md5('c2')::uuid, 0) $$,
    '23514', null, 'a DC is 1..100'
);

-- ============================================================================ anon
select tests.act_as('anon');
select is(pg_temp.readable_rules(), array['c2'], 'anon reads the rules of the public campaign');
select throws_ok(
    $$ update public.campaign_rules set dc_b2 = 1 $$, '42501', null, 'anon cannot change rules'
);

-- ============================================================================ player
select tests.act_as('player');
select is(
    pg_temp.readable_rules(), array['c1', 'c2'],
    'a player reads the rules of their campaign and the public one'
);
select is(
    tests.affected($$ update public.campaign_rules set dc_b2 = 1 where true $$),
    0, 'a player cannot lower a DC'
);
select is(
    tests.affected($$ delete from public.campaign_rules where true $$),
    0, 'a player cannot reset the rules'
);

-- ============================================================================ another player
select tests.act_as('other');
select is(
    pg_temp.readable_rules(), array['c2'],
    'a player of another campaign reads only that campaign''s rules'
);
select is(
    tests.affected($$ update public.campaign_rules set dc_b2 = 1 where true $$),
    0, 'a player cannot lower the DC of their own campaign either'
);

-- ============================================================================ game master
select tests.act_as('gm');
select is(
    tests.affected($$
        update public.campaign_rules set dc_b2 = 14 where campaign_id = md5('c1')::uuid
    $$),
    1, 'the gm changes the rules of their campaign'
);
select is(
    tests.affected($$
        update public.campaign_rules set dc_b2 = 14 where campaign_id = md5('c3')::uuid
    $$),
    0, 'nobody changes the rules of an archived campaign'
);
select is(
    tests.affected($$
        update public.campaign_rules set dc_b2 = 1 where campaign_id = md5('c2')::uuid
    $$),
    0, 'the gm cannot change another campaign''s rules'
);
select is(
    tests.affected($$ delete from public.campaign_rules where campaign_id = md5('c1')::uuid $$),
    1, 'the gm resets the rules to the defaults'
);
select lives_ok(
    $$ insert into public.campaign_rules (campaign_id, dc_c2) values (md5('c4')::uuid, 22) $$,
    'the gm sets the rules of their campaign'
);

-- ============================================================================ admin
select tests.act_as('admin');
select is(
    pg_temp.readable_rules(), array['c1', 'c2', 'c3'], 'an admin reads every campaign''s rules'
);
select is(
    tests.affected($$ update public.campaign_rules set dc_b2 = 1 where true $$),
    0, 'an admin does not write campaign rules'
);

select finish();
rollback;
