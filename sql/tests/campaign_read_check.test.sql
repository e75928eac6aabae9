-- app_private.is_readable_campaign(): the one-campaign check the read policies of campaigns'
-- rows use (public, a member, or a moderator), as anon, a player, another player, the gm and an
-- admin; and no read policy builds the set of every readable campaign any more (that cost grew
-- with the number of public campaigns, docs/performance.md).

begin;
set local search_path = public, extensions, tests;
select plan(13);

-- Arrange (as the superuser). gm runs c1 (private) with player; gm2 runs c2 (public) with
-- other; admin holds the admin app role (campaign.moderate).
insert into auth.users (id, email)
select
    md5(u)::uuid as id,
    u || '@pgtap.test' as email
from unnest(array['gm', 'player', 'other', 'admin', 'gm2']) as u;
insert into app_private.user_roles (user_id, role) values (md5('admin')::uuid, 'admin');
insert into public.campaigns (id, owner_id, name, target_language, visibility) values
(md5('c1')::uuid, md5('gm')::uuid, 'Private campaign', 'es', 'private'),
(md5('c2')::uuid, md5('gm2')::uuid, 'Public campaign', 'ja', 'public');
insert into public.campaign_members (campaign_id, user_id, role) values
(md5('c1')::uuid, md5('player')::uuid, 'player'),
(md5('c2')::uuid, md5('other')::uuid, 'player');

select is(
    (
        select count(*)::integer from pg_catalog.pg_policies as p
        where p.qual like '%readable_campaign_ids%' or p.with_check like '%readable_campaign_ids%'
    ),
    0,
    'no policy lists every readable campaign'
);

select tests.act_as('anon');
select ok(
    not app_private.is_readable_campaign(md5('c1')::uuid), 'anon cannot read a private campaign'
);
select ok(app_private.is_readable_campaign(md5('c2')::uuid), 'anon reads a public campaign');
select ok(
    not app_private.is_readable_campaign(null), 'no campaign (null) is never readable'
);

select tests.act_as('player');
select ok(app_private.is_readable_campaign(md5('c1')::uuid), 'a player reads their campaign');
select ok(app_private.is_readable_campaign(md5('c2')::uuid), 'a player reads a public one');

select tests.act_as('other');
select ok(
    not app_private.is_readable_campaign(md5('c1')::uuid),
    'another player cannot read a private campaign they are not in'
);
select ok(app_private.is_readable_campaign(md5('c2')::uuid), 'another player reads their own');

select tests.act_as('gm');
select ok(app_private.is_readable_campaign(md5('c1')::uuid), 'the gm reads their campaign');
select ok(
    not app_private.is_readable_campaign(gen_random_uuid()), 'a campaign that does not exist is not'
);

select tests.act_as('admin');
select ok(app_private.is_readable_campaign(md5('c1')::uuid), 'an admin (moderator) reads any');
select ok(
    not app_private.is_readable_campaign(null), 'not even a moderator reads a null campaign'
);

-- The set form and the one-campaign check agree for every campaign the player can see.
select tests.act_as('player');
select is(
    (
        select array_agg(c.id order by c.id) from public.campaigns as c
        where app_private.is_readable_campaign(c.id)
    ),
    (select array_agg(r.id order by r.id) from app_private.readable_campaign_ids() as r (id)),
    'the check agrees with readable_campaign_ids() for a player'
);

select finish();
rollback;
