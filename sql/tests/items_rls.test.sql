-- RLS of public.items: published items for everyone, drafts and writes for content editors.

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

insert into auth.users (id, email) values (md5('editor')::uuid, 'editor@pgtap.test');
insert into app_private.user_roles (user_id, role) values (md5('editor')::uuid, 'content_editor');
insert into public.items (id, name, kind, is_published) values
(md5('item_pub')::uuid, 'Dictionary', 'book', true),
(md5('item_draft')::uuid, 'Amulet', 'trinket', false);

-- ============================================================================ structure
select policies_are(
    'public', 'items',
    array[
        'Anyone reads published items',
        'Users read published items and editors read drafts',
        'Editors create items and publishers publish them',
        'Editors edit drafts and publishers edit published items',
        'Editors delete drafts and publishers delete published items'
    ],
    'items has exactly its policies'
);
select ok(
    (
        select c.relrowsecurity from pg_class as c
        where c.oid = 'public.items'::regclass
    ),
    'RLS is enabled on items'
);

-- ============================================================================ anon
select tests.act_as('anon');
select is(
    tests.visible('items', array['item_pub', 'item_draft']), array['item_pub'],
    'anon reads published items'
);
select throws_ok(
    $$ insert into public.items (name, kind) values ('Quill', 'tool') $$,
    '42501', null, 'anon cannot create items'
);

-- ============================================================================ player
select tests.act_as('player');
select is(
    tests.visible('items', array['item_pub', 'item_draft']), array['item_pub'],
    'a player reads published items only'
);
select throws_ok(
    $$ insert into public.items (name, kind) values ('Quill', 'tool') $$,
    '42501', null, 'a player cannot create items'
);
select is(
    tests.affected($$ update public.items set name = 'X' where id = md5('item_pub')::uuid $$),
    0, 'a player cannot edit items'
);
select is(
    tests.affected($$ delete from public.items where id = md5('item_pub')::uuid $$),
    0, 'a player cannot delete items'
);

-- ============================================================================ another player
select tests.act_as('other');
select is(
    tests.visible('items', array['item_pub', 'item_draft']), array['item_pub'],
    'every player reads the same catalogue'
);

-- ============================================================================ game master
select tests.act_as('gm');
select is(
    tests.affected($$ update public.items set name = 'X' where id = md5('item_pub')::uuid $$),
    0, 'a gm cannot edit the catalogue'
);

-- ============================================================================ content editor
select tests.act_as('editor');
select is(
    tests.visible('items', array['item_pub', 'item_draft']), array['item_draft', 'item_pub'],
    'a content editor reads drafts'
);
select lives_ok(
    $$ insert into public.items (name, kind, is_published) values ('Quill', 'tool', true) $$,
    'a content editor creates and publishes an item'
);
select is(
    tests.affected($$
        update public.items set is_published = true where id = md5('item_draft')::uuid
    $$),
    1, 'a content editor publishes a draft'
);
select throws_ok(
    $$ insert into public.items (name, kind) values ('Bad', 'spaceship') $$,
    '23514', null, 'item kinds are checked'
);

-- ============================================================================ admin
select tests.act_as('admin');
select is(
    tests.visible('items', array['item_pub', 'item_draft']), array['item_draft', 'item_pub'],
    'an admin reads drafts'
);
select is(
    tests.affected($$ delete from public.items where id = md5('item_draft')::uuid $$),
    1, 'an admin deletes items'
);

select finish();
rollback;
