-- Campaign dice seeds: who reads the commitment, draws nonces, rotates, and sees reveals.

begin;
set local search_path = public, extensions, tests;
select plan(35);

-- Arrange (as the superuser): gm runs c1 (private) with player and observer; gm2 runs c2
-- (public); stranger belongs to nothing. Ids are md5(<label>)::uuid.
insert into auth.users (id, email)
select
    md5(u)::uuid as id,
    u || '@pgtap.test' as email
from unnest(array['gm', 'player', 'observer', 'gm2', 'stranger']) as u;
insert into public.campaigns (id, owner_id, name, target_language, visibility) values
(md5('c1')::uuid, md5('gm')::uuid, 'Private campaign', 'es', 'private'),
(md5('c2')::uuid, md5('gm2')::uuid, 'Public campaign', 'ja', 'public');
insert into public.campaign_members (campaign_id, user_id, role) values
(md5('c1')::uuid, md5('player')::uuid, 'player'),
(md5('c1')::uuid, md5('observer')::uuid, 'observer');

create function pg_temp.act_as(actor text, dice_service boolean default false)
returns void
language sql
as $$
    select
        set_config('role', 'none', true),
        set_config(
            'request.jwt.claims',
            case when actor = 'anon' then '{"role": "anon"}' else json_build_object(
                'role', 'authenticated', 'sub', md5(actor)::uuid
            )::text end,
            true
        ),
        set_config('app.roll_source', case when dice_service then 'dice-service' else '' end, true),
        set_config('role', case when actor = 'anon' then 'anon' else 'authenticated' end, true)
$$;
grant execute on function pg_temp.act_as(text, boolean) to anon, authenticated;
-- ============ structure ============
select ok(
    (
        select relrowsecurity from pg_class
        where oid = 'app_private.campaign_dice_seeds'::regclass
    ),
    'campaign_dice_seeds has RLS enabled'
);
select policies_are(
    'app_private', 'campaign_dice_seeds',
    array[
        'Anyone reads revealed seeds of public campaigns',
        'Readers of a campaign read its revealed seeds'
    ]
);
select is_definer('app_private', 'dice_seed_commitment', array['uuid']);
select is_definer('app_private', 'allocate_dice_nonce', array['uuid']);
select is_definer('app_private', 'rotate_dice_seed', array['uuid']);
select isnt_definer('app_private', 'ensure_dice_seed', array['uuid']);
select function_privs_are(
    'app_private', 'allocate_dice_nonce', array['uuid'], 'anon', array[]::text[]
);
select function_privs_are(
    'app_private', 'ensure_dice_seed', array['uuid'], 'authenticated', array[]::text[]
);
select ok(
    (
        select 'security_invoker=true' = any(reloptions) from pg_class
        where oid = 'public.revealed_dice_seeds'::regclass
    ),
    'revealed_dice_seeds runs as the caller'
);
select table_privs_are(
    'app_private', 'campaign_dice_seeds', 'authenticated', array['SELECT']
);

-- ============ player ============
select pg_temp.act_as('player');
select results_eq(
    $$select seed_hash is not null, next_nonce
      from app_private.dice_seed_commitment(md5('c1')::uuid)$$,
    $$values (true, null::bigint)$$,
    'a player reads the commitment (created on first read), not its nonce counter'
);
select throws_ok(
    $$select * from app_private.allocate_dice_nonce(md5('c1')::uuid)$$, '42501', null,
    'nonces are drawn only in a dice-service transaction'
);
select pg_temp.act_as('player', true);
select results_eq(
    $$select nonce from app_private.allocate_dice_nonce(md5('c1')::uuid)
      union all select nonce from app_private.allocate_dice_nonce(md5('c1')::uuid)$$,
    $$values (0::bigint), (1::bigint)$$,
    'each draw takes the next nonce'
);
select is(
    (select seed_hash from app_private.allocate_dice_nonce(md5('c1')::uuid)),
    (select seed_hash from app_private.dice_seed_commitment(md5('c1')::uuid)),
    'draws use the committed seed'
);
select is_empty(
    $$select * from app_private.campaign_dice_seeds$$, 'the active seed is hidden from players'
);
select is_empty($$select * from public.revealed_dice_seeds$$, 'nothing is revealed yet');
select throws_ok(
    $$select * from app_private.rotate_dice_seed(md5('c1')::uuid)$$, '42501', null,
    'players cannot rotate'
);
select throws_ok(
    $$update app_private.campaign_dice_seeds set revealed_at = now()$$, '42501', null,
    'players cannot write seeds'
);

-- ============ observer ============
select pg_temp.act_as('observer', true);
select results_eq(
    $$select seed_hash is not null, next_nonce
      from app_private.dice_seed_commitment(md5('c1')::uuid)$$,
    $$values (true, null::bigint)$$,
    'an observer reads the commitment, but no nonce counter to count hidden rolls with'
);
select throws_ok(
    $$select * from app_private.allocate_dice_nonce(md5('c1')::uuid)$$, '42501', null,
    'an observer cannot roll'
);

-- ============ stranger ============
select pg_temp.act_as('stranger', true);
select throws_ok(
    $$select * from app_private.dice_seed_commitment(md5('c1')::uuid)$$, '42501', null,
    'a stranger cannot read the commitment'
);
select throws_ok(
    $$select * from app_private.dice_seed_commitment(gen_random_uuid())$$, '42501', null,
    'an unknown campaign answers like a foreign one'
);

-- ============ game master ============
select pg_temp.act_as('gm');
select is(
    (select next_nonce from app_private.dice_seed_commitment(md5('c1')::uuid)), 3::bigint,
    'the game master reads the nonce counter (three rolls so far)'
);
select is(
    (select nonces_used from app_private.rotate_dice_seed(md5('c1')::uuid)), 3::bigint,
    'rotation reveals the seed with the nonces it served'
);
select is(
    (select next_nonce from app_private.dice_seed_commitment(md5('c1')::uuid)), 0::bigint,
    'a fresh seed starts at nonce 0'
);
select ok(
    (
        select seed_hash = encode(sha256(decode(seed, 'hex')), 'hex')
        from public.revealed_dice_seeds
    ),
    'the revealed seed hashes to its commitment'
);
select lives_ok(
    $$select * from app_private.rotate_dice_seed(md5('c1')::uuid)$$, 'rotation can repeat'
);
select is(
    (
        select count(*) from public.revealed_dice_seeds
        where campaign_id = md5('c1')::uuid
    ),
    2::bigint, 'every rotation is kept'
);
select results_eq(
    $$select nonces_used from public.revealed_dice_seeds order by revealed_at$$,
    $$values (3::bigint), (0::bigint)$$,
    'the game master reads how many nonces each revealed seed served'
);
select pg_temp.act_as('player');
select results_eq(
    $$select count(*), count(nonces_used) from public.revealed_dice_seeds$$,
    $$values (2::bigint, 0::bigint)$$,
    'a player reads the revealed seeds without their nonce counts'
);
select pg_temp.act_as('observer');
select results_eq(
    $$select count(*), count(nonces_used) from public.revealed_dice_seeds$$,
    $$values (2::bigint, 0::bigint)$$,
    'an observer reads the revealed seeds without their nonce counts'
);

-- ============ readers of reveals ============
select pg_temp.act_as('gm2');
select lives_ok(
    $$select * from app_private.rotate_dice_seed(md5('c2')::uuid)$$, 'gm2 rotates c2'
);
select results_eq(
    $$select nonces_used from public.revealed_dice_seeds where campaign_id = md5('c2')::uuid$$,
    $$values (0::bigint)$$,
    'gm2 reads the nonce count of c2''s reveal'
);
select pg_temp.act_as('stranger');
select results_eq(
    $$select campaign_id, nonces_used from public.revealed_dice_seeds$$,
    $$values (md5('c2')::uuid, null::bigint)$$,
    'a stranger sees reveals of public campaigns only, without nonce counts'
);
select pg_temp.act_as('anon');
select results_eq(
    $$select campaign_id, nonces_used from public.revealed_dice_seeds$$,
    $$values (md5('c2')::uuid, null::bigint)$$,
    'anon sees reveals of public campaigns only, without nonce counts'
);

select finish();
rollback;
