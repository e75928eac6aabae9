-- RLS of public.character_items: the gm hands items out; owners only toggle `equipped`.

begin;
set local search_path = public, extensions, tests;
select plan(16);

-- Arrange (as the superuser). Every row's id is md5(<label>)::uuid, so a label names it.
-- Users: gm runs c1 (private) with player and observer; gm2 runs c2 (public) with other as
-- player; admin holds the admin app role.
select set_config('app.roll_source', 'dice-service', true);
insert into auth.users (id, email)
select
    md5(u)::uuid as id,
    u || '@pgtap.test' as email
from unnest(array['gm', 'player', 'other', 'observer', 'admin', 'gm2']) as u;
insert into app_private.user_roles (user_id, role) values (md5('admin')::uuid, 'admin');
insert into public.campaigns (id, owner_id, name, target_language, visibility) values
(md5('c1')::uuid, md5('gm')::uuid, 'Private campaign', 'es', 'private'),
(md5('c2')::uuid, md5('gm2')::uuid, 'Public campaign', 'ja', 'public');
insert into public.campaign_members (campaign_id, user_id, role) values
(md5('c1')::uuid, md5('player')::uuid, 'player'),
(md5('c1')::uuid, md5('observer')::uuid, 'observer'),
(md5('c2')::uuid, md5('other')::uuid, 'player');

insert into public.characters (id, campaign_id, owner_id, name) values
(md5('ch_player')::uuid, md5('c1')::uuid, md5('player')::uuid, 'Rosa'),
(md5('ch_other')::uuid, md5('c2')::uuid, md5('other')::uuid, 'Haruka');
insert into public.items (id, name, kind, is_published) values
(md5('item_pub')::uuid, 'Dictionary', 'book', true),
(md5('item_two')::uuid, 'Headphones', 'tool', true);
insert into public.character_items (id, character_id, item_id) values
(md5('ci_player')::uuid, md5('ch_player')::uuid, md5('item_pub')::uuid),
(md5('ci_other')::uuid, md5('ch_other')::uuid, md5('item_pub')::uuid);

-- ============================================================================ structure
select policies_are(
    'public', 'character_items',
    array[
        'Anyone reads inventories in public campaigns',
        'Users read inventories in campaigns they can read',
        'Game masters give items in live campaigns',
        'Game masters and owners update inventories in live campaigns',
        'Game masters take items back in live campaigns'
    ],
    'character_items has exactly its policies'
);
select ok(
    (
        select c.relrowsecurity from pg_class as c
        where c.oid = 'public.character_items'::regclass
    ),
    'RLS is enabled on character_items'
);

-- ============================================================================ anon
select tests.act_as('anon');
select is(
    tests.visible('character_items', array['ci_player', 'ci_other']), array['ci_other'],
    'anon reads inventories of the public campaign'
);

-- ============================================================================ player
select tests.act_as('player');
select is(
    tests.visible('character_items', array['ci_player', 'ci_other']),
    array['ci_other', 'ci_player'],
    'a player reads their campaign''s inventories'
);
select is(
    tests.affected($$
        update public.character_items set equipped = true where id = md5('ci_player')::uuid
    $$),
    1, 'the owner equips an item'
);
select throws_ok(
    $$ update public.character_items set quantity = 99 where id = md5('ci_player')::uuid $$,
    '42501', null, 'the owner cannot change quantities'
);
select throws_ok(
    $$ insert into public.character_items (character_id, item_id)
       values (md5('ch_player')::uuid, md5('item_two')::uuid) $$,
    '42501', null, 'a player cannot give themselves items'
);
select is(
    tests.affected($$ delete from public.character_items where id = md5('ci_player')::uuid $$),
    0, 'a player cannot drop inventory lines'
);

-- ============================================================================ another player
select tests.act_as('other');
select is(
    tests.visible('character_items', array['ci_player', 'ci_other']), array['ci_other'],
    'a player of another campaign reads only that campaign''s inventories'
);
select is(
    tests.affected($$
        update public.character_items set equipped = true where id = md5('ci_player')::uuid
    $$),
    0, 'nobody else equips a character''s items'
);

-- ============================================================================ game master
select tests.act_as('gm');
select lives_ok(
    $$ insert into public.character_items (character_id, item_id, quantity)
       values (md5('ch_player')::uuid, md5('item_two')::uuid, 2) $$,
    'the gm gives an item'
);
select is(
    tests.affected($$
        update public.character_items set quantity = 3 where id = md5('ci_player')::uuid
    $$),
    1, 'the gm changes quantities'
);
select throws_ok(
    $$ insert into public.character_items (character_id, item_id)
       values (md5('ch_other')::uuid, md5('item_two')::uuid) $$,
    '42501', null, 'the gm cannot give items in another campaign'
);
select is(
    tests.affected($$ delete from public.character_items where id = md5('ci_player')::uuid $$),
    1, 'the gm takes an item back'
);

-- ============================================================================ admin
select tests.act_as('admin');
select is(
    tests.visible('character_items', array['ci_player', 'ci_other']),
    array['ci_other', 'ci_player'],
    'an admin reads every inventory'
);
select is(
    tests.affected($$ delete from public.character_items where id = md5('ci_other')::uuid $$),
    0, 'an admin does not manage inventories'
);

select finish();
rollback;
