-- RLS of public.dice_rolls: per-roll visibility, the dice-service-only insert path, append-only.

begin;
set local search_path = public, extensions, tests;
select plan(22);

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
(md5('ch_gm')::uuid, md5('c1')::uuid, md5('gm')::uuid, 'Innkeeper');
insert into public.dice_rolls (
    id, campaign_id, roller_id, expression, total, visibility, server_seed_hash, client_seed, nonce
) values
(
    md5('r_pub')::uuid,
    md5('c1')::uuid,
    md5('player')::uuid,
    '1d20',
    11,
    'public',
    repeat('c', 64),
    's',
    1
),
(
    md5('r_gm')::uuid,
    md5('c1')::uuid,
    md5('player')::uuid,
    '1d20',
    12,
    'gm',
    repeat('c', 64),
    's',
    2
),
(
    md5('r_priv')::uuid,
    md5('c1')::uuid,
    md5('player')::uuid,
    '1d20',
    13,
    'private',
    repeat('c', 64),
    's',
    3
),
(
    md5('r_gm_priv')::uuid,
    md5('c1')::uuid,
    md5('gm')::uuid,
    '1d20',
    14,
    'private',
    repeat('c', 64),
    's',
    4
),
(
    md5('r_c2')::uuid,
    md5('c2')::uuid,
    md5('other')::uuid,
    '1d20',
    15,
    'public',
    repeat('c', 64),
    's',
    5
),
(
    md5('r_c2_priv')::uuid,
    md5('c2')::uuid,
    md5('other')::uuid,
    '1d20',
    16,
    'private',
    repeat('c', 64),
    's',
    6
);
-- From here on, the transaction is an ordinary client's: no roll source.
select set_config('app.roll_source', '', true);

-- ============================================================================ structure
select policies_are(
    'public', 'dice_rolls',
    array[
        'Anyone reads public rolls of public campaigns',
        'Readers see public rolls, rollers and game masters see the rest',
        'The dice service records players'' and game masters'' rolls'
    ],
    'dice_rolls has exactly its policies'
);
select ok(
    (
        select c.relrowsecurity from pg_class as c
        where c.oid = 'public.dice_rolls'::regclass
    ),
    'RLS is enabled on dice_rolls'
);
select throws_ok(
    $$ update public.dice_rolls set total = 20 where id = md5('r_pub')::uuid $$,
    '42501', null, 'rolls are append-only even for the table owner'
);
select throws_ok(
    $$ delete from public.dice_rolls where id = md5('r_pub')::uuid $$,
    '42501', null, 'rolls are never deleted directly, even by the table owner'
);
select throws_ok(
    $$ insert into public.dice_rolls (campaign_id, roller_id, expression, total,
       server_seed_hash, client_seed, nonce)
       values (md5('c1')::uuid, md5('gm')::uuid, '1d6', 6, repeat('d', 64), 'x', 1) $$,
    '42501', null, 'without the dice service mark, not even the owner inserts rolls'
);

-- ============================================================================ anon
select tests.act_as('anon');
select is(
    tests.visible(
        'dice_rolls', array['r_pub', 'r_gm', 'r_priv', 'r_gm_priv', 'r_c2', 'r_c2_priv']
    ),
    array['r_c2'],
    'anon reads the public rolls of public campaigns only'
);

-- ============================================================================ player
select tests.act_as('player');
select is(
    tests.visible(
        'dice_rolls', array['r_pub', 'r_gm', 'r_priv', 'r_gm_priv', 'r_c2', 'r_c2_priv']
    ),
    array['r_c2', 'r_gm', 'r_priv', 'r_pub'],
    'a player reads public rolls and their own gm and whispered rolls, not the gm''s whispers'
);
select throws_ok(
    $$ insert into public.dice_rolls (campaign_id, roller_id, expression, total,
       server_seed_hash, client_seed, nonce)
       values (md5('c1')::uuid, md5('player')::uuid, '1d20', 20, repeat('d', 64), 'x', 1) $$,
    '42501', null, 'a client cannot insert a roll directly (REST API path)'
);
select set_config('app.roll_source', 'dice-service', true);
select lives_ok(
    $$ insert into public.dice_rolls (campaign_id, roller_id, character_id, expression, total,
       server_seed_hash, client_seed, nonce)
       values (md5('c1')::uuid, md5('player')::uuid, md5('ch_player')::uuid, '1d20', 7,
               repeat('d', 64), 'x', 1) $$,
    'the dice service records a player''s roll'
);
select throws_ok(
    $$ insert into public.dice_rolls (campaign_id, roller_id, character_id, expression, total,
       server_seed_hash, client_seed, nonce)
       values (md5('c1')::uuid, md5('player')::uuid, md5('ch_gm')::uuid, '1d20', 7,
               repeat('d', 64), 'x', 2) $$,
    '42501', null, 'a player cannot roll for someone else''s character'
);
select throws_ok(
    $$ insert into public.dice_rolls (campaign_id, roller_id, expression, total,
       server_seed_hash, client_seed, nonce)
       values (md5('c1')::uuid, md5('gm')::uuid, '1d20', 7, repeat('d', 64), 'x', 3) $$,
    '42501', null, 'a player cannot roll in someone else''s name'
);
select throws_ok(
    $$ update public.dice_rolls set total = 20 where id = md5('r_pub')::uuid $$,
    '42501', null, 'a player cannot change a roll'
);
select set_config('app.roll_source', '', true);

-- ============================================================================ another player
select tests.act_as('other');
select is(
    tests.visible(
        'dice_rolls', array['r_pub', 'r_gm', 'r_priv', 'r_gm_priv', 'r_c2', 'r_c2_priv']
    ),
    array['r_c2', 'r_c2_priv'],
    'a player of another campaign sees nothing of the private campaign'
);
select set_config('app.roll_source', 'dice-service', true);
select throws_ok(
    $$ insert into public.dice_rolls (campaign_id, roller_id, expression, total,
       server_seed_hash, client_seed, nonce)
       values (md5('c1')::uuid, md5('other')::uuid, '1d20', 7, repeat('d', 64), 'x', 1) $$,
    '42501', null, 'a non-member cannot roll in the campaign'
);

-- ============================================================================ observer
select tests.act_as('observer');
select is(
    tests.visible(
        'dice_rolls', array['r_pub', 'r_gm', 'r_priv', 'r_gm_priv', 'r_c2', 'r_c2_priv']
    ),
    array['r_c2', 'r_pub'],
    'an observer sees public rolls only'
);
select throws_ok(
    $$ insert into public.dice_rolls (campaign_id, roller_id, expression, total,
       server_seed_hash, client_seed, nonce)
       values (md5('c1')::uuid, md5('observer')::uuid, '1d20', 7, repeat('d', 64), 'x', 1) $$,
    '42501', null, 'an observer does not roll'
);

-- ============================================================================ game master
select tests.act_as('gm');
select is(
    tests.visible(
        'dice_rolls', array['r_pub', 'r_gm', 'r_priv', 'r_gm_priv', 'r_c2', 'r_c2_priv']
    ),
    array['r_c2', 'r_gm', 'r_gm_priv', 'r_priv', 'r_pub'],
    'the gm sees every roll of their campaign, whispers included'
);
select lives_ok(
    $$ insert into public.dice_rolls (campaign_id, roller_id, character_id, expression, total,
       visibility, server_seed_hash, client_seed, nonce)
       values (md5('c1')::uuid, md5('gm')::uuid, md5('ch_player')::uuid, '1d20', 3, 'gm',
               repeat('d', 64), 'x', 1) $$,
    'the gm rolls secretly for a player''s character'
);
reset role;
update public.campaigns set status = 'archived'
where id = md5('c1')::uuid;
select tests.act_as('gm');
select throws_ok(
    $$ insert into public.dice_rolls (campaign_id, roller_id, expression, total,
       server_seed_hash, client_seed, nonce)
       values (md5('c1')::uuid, md5('gm')::uuid, '1d20', 7, repeat('d', 64), 'x', 2) $$,
    '42501', null, 'nobody rolls in an archived campaign'
);
select set_config('app.roll_source', '', true);

-- ============================================================================ admin
select tests.act_as('admin');
select is(
    tests.visible(
        'dice_rolls', array['r_pub', 'r_gm', 'r_priv', 'r_gm_priv', 'r_c2', 'r_c2_priv']
    ),
    array['r_c2', 'r_pub'],
    'an admin reads public rolls everywhere but no whispers'
);
select throws_ok(
    $$ delete from public.dice_rolls where id = md5('r_c2')::uuid $$,
    '42501', null, 'an admin cannot delete rolls'
);
reset role;
select lives_ok(
    $$ delete from public.campaigns where id = md5('c2')::uuid $$,
    'deleting a campaign deletes its rolls (cascade)'
);

select finish();
rollback;
