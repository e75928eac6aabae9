-- Game modules' tables and functions (issue 21) as anon, a player, another campaign's player,
-- the game master and an admin: installed modules and versions, campaign pins, module items,
-- active conditions, and the functions that alone write them.

begin;
set local search_path = public, extensions, tests;
select plan(45);

-- Arrange (as the superuser). gm runs c1 (private) with player; gm2 runs c2 (private) with
-- other; admin holds the admin role (module.manage). m1 is enabled in c1; m2 is installed only.
insert into auth.users (id, email)
select
    md5(u)::uuid as id,
    u || '@pgtap.test' as email
from unnest(array['gm', 'player', 'other', 'gm2', 'admin']) as u;
insert into app_private.user_roles (user_id, role) values (md5('admin')::uuid, 'admin');
insert into public.campaigns (id, owner_id, name, target_language, visibility) values
(md5('c1')::uuid, md5('gm')::uuid, 'Campaign one', 'es', 'private'),
(md5('c2')::uuid, md5('gm2')::uuid, 'Campaign two', 'es', 'private');
insert into public.campaign_members (campaign_id, user_id, role) values
(md5('c1')::uuid, md5('player')::uuid, 'player'),
(md5('c2')::uuid, md5('other')::uuid, 'player');
insert into public.characters (id, campaign_id, owner_id, name) values
(md5('ch_player')::uuid, md5('c1')::uuid, md5('player')::uuid, 'Rosa'),
(md5('ch_other')::uuid, md5('c2')::uuid, md5('other')::uuid, 'Haruka');

-- A manifest as functions/modules validated it (the SQL side checks rights, ids and pins).
create function pg_temp.manifest(id text, version text)
returns jsonb
language sql
as $$
    select jsonb_build_object(
        'id', id, 'version', version, 'publisher', 'pgtap',
        'provides', jsonb_build_object(
            'items', jsonb_build_array(jsonb_build_object(
                'key', 'charm', 'modifiers', jsonb_build_array(jsonb_build_object('value', 1))
            )),
            'rules', jsonb_build_object('conditions', jsonb_build_array(jsonb_build_object(
                'name', 'dazed', 'modifiers', jsonb_build_array(jsonb_build_object('value', -1))
            )))
        )
    )
$$;

grant execute on function pg_temp.manifest(text, text) to authenticated;

-- The labels among `labels` of the rows visible in <tbl> keyed by text ids.
create function pg_temp.visible_ids(tbl text, col text, labels text[])
returns text[]
language plpgsql
as $$
declare
    result text[];
begin
    execute format(
        'select coalesce(array_agg(c order by c), ''{}'') from unnest($1) as c'
        ' where exists (select from public.%I as t where t.%I = c)', tbl, col
    ) into result using labels;
    return result;
end;
$$;

grant execute on function pg_temp.visible_ids(text, text, text[]) to anon, authenticated;

select tests.act_as('admin');
select is(
    app_private.install_game_module(pg_temp.manifest('pgtap-m1', '1.0.0')), 'installed',
    'admin: installs a module (module.manage)'
);
select app_private.install_game_module(pg_temp.manifest('pgtap-m2', '1.0.0'));
select tests.act_as('gm');
select lives_ok(
    $$ select app_private.enable_game_module(md5('c1')::uuid, 'pgtap-m1', '1.0.0') $$,
    'gm: enables an installed module for their campaign'
);
reset role;
insert into storage.objects (bucket_id, name, version) values
('module-assets', 'pgtap-m1/1.0.0/handouts/map.png', 'v1'),
('module-assets', 'pgtap-m2/1.0.0/handouts/map.png', 'v1');
insert into public.character_module_items (id, character_id, module_id, item_key, equipped) values
(md5('mi_player')::uuid, md5('ch_player')::uuid, 'pgtap-m1', 'charm', true),
(md5('mi_other')::uuid, md5('ch_other')::uuid, 'pgtap-m1', 'charm', true);

-- ============================================================================ structure
select ok(
    (
        select bool_and(c.relrowsecurity) from pg_class as c
        where c.oid in (
            'public.game_modules'::regclass, 'public.game_module_versions'::regclass,
            'public.campaign_game_modules'::regclass, 'public.character_module_items'::regclass,
            'public.character_conditions'::regclass
        )
    ),
    'RLS is enabled on every module table'
);
select policies_are(
    'public', 'character_conditions',
    array['Campaign members read their characters'' conditions'],
    'character_conditions has exactly its policies'
);
select is(
    (
        select array_agg(p.proname::text order by p.proname) from pg_proc as p
        where
            p.pronamespace = 'app_private'::regnamespace and p.prosecdef
            and p.proname in ('apply_character_condition', 'check_module_sources')
            and 'search_path=""' = any(p.proconfig)
    ),
    array['apply_character_condition', 'check_module_sources'],
    'the new definer functions pin an empty search_path'
);

-- ============================================================================ anon
select tests.act_as('anon');
select throws_ok(
    $$ select * from public.game_modules $$, '42501', null, 'anon: reads no modules'
);
select throws_ok(
    $$ select * from public.character_conditions $$, '42501', null, 'anon: reads no conditions'
);
select throws_ok(
    $$ select app_private.apply_character_condition(md5('ch_player')::uuid, 'pgtap-m1', 'dazed') $$,
    '42501', null, 'anon: applies no condition'
);

select is(
    (
        select count(*)::integer from storage.objects
        where bucket_id = 'module-assets'
    ),
    0,
    'anon: reads no module asset'
);

-- ============================================================================ gm
select tests.act_as('gm');
select is(
    (
        select array_agg(name) from storage.objects
        where bucket_id = 'module-assets'
    ),
    array['pgtap-m1/1.0.0/handouts/map.png'], 'gm: reads the assets of the module they enable'
);
select is(
    pg_temp.visible_ids('game_modules', 'id', array['pgtap-m1', 'pgtap-m2']),
    array['pgtap-m1', 'pgtap-m2'], 'gm: reads every installed module (to choose one)'
);
select is(
    tests.visible('character_module_items', array['mi_player', 'mi_other']), array['mi_player'],
    'gm: reads the module items of their campaign only'
);
select isnt(
    app_private.apply_character_condition(md5('ch_player')::uuid, 'pgtap-m1', 'dazed'), null,
    'gm: applies a condition of an enabled module to their player''s character'
);
select throws_ok(
    $$ select app_private.apply_character_condition(md5('ch_player')::uuid, 'pgtap-m2', 'dazed') $$,
    '23503', null, 'gm: a module the campaign does not enable has no conditions here'
);
select throws_ok(
    $$ select app_private.apply_character_condition(md5('ch_player')::uuid, 'pgtap-m1', 'nope') $$,
    '23503', null, 'gm: an undefined condition is refused'
);
select throws_ok(
    $$ select app_private.apply_character_condition(md5('ch_other')::uuid, 'pgtap-m1', 'dazed') $$,
    '42501', null, 'gm: applies nothing to another campaign''s character'
);
select throws_ok(
    $$ insert into public.character_conditions (character_id, module_id, condition)
       values (md5('ch_player')::uuid, 'pgtap-m1', 'dazed') $$,
    '42501', null, 'gm: cannot write conditions directly'
);
select is(
    (select count(*)::integer from public.character_conditions), 1,
    'gm: reads the condition of their campaign'
);
select is(
    (
        select array_agg(m.module_id)
        from app_private.check_module_sources(md5('ch_player')::uuid) as m
    ),
    array['pgtap-m1'], 'gm: a check of their player''s character sees its module sources'
);
select throws_ok(
    $$ select app_private.install_game_module(pg_temp.manifest('pgtap-m3', '1.0.0')) $$,
    '42501', null, 'gm: cannot install modules'
);
select throws_ok(
    $$ select app_private.enable_game_module(md5('c2')::uuid, 'pgtap-m1', '1.0.0') $$,
    '42501', null, 'gm: cannot enable a module for another campaign'
);

-- ============================================================================ player
select tests.act_as('player');
select is(
    (
        select array_agg(name) from storage.objects
        where bucket_id = 'module-assets'
    ),
    array['pgtap-m1/1.0.0/handouts/map.png'],
    'player: reads the assets of the module version their campaign enables'
);
select is(
    pg_temp.visible_ids('game_modules', 'id', array['pgtap-m1', 'pgtap-m2']), array['pgtap-m1'],
    'player: reads only the modules their campaign enables'
);
select is(
    pg_temp.visible_ids('game_module_versions', 'module_id', array['pgtap-m1', 'pgtap-m2']),
    array['pgtap-m1'], 'player: reads only the enabled versions'
);
select is(
    (select array_agg(campaign_id) from public.campaign_game_modules), array[md5('c1')::uuid],
    'player: reads their campaign''s pins'
);
select is(
    tests.visible('character_module_items', array['mi_player', 'mi_other']), array['mi_player'],
    'player: reads their campaign''s module items'
);
select is(
    (select count(*)::integer from public.character_conditions), 1,
    'player: reads the conditions of their character'
);
select is(
    (
        select array[items, conditions]
        from app_private.check_module_sources(md5('ch_player')::uuid)
    ),
    array[array['charm'], array['dazed']],
    'player: their check sees the equipped item and the active condition'
);
select is(
    tests.affected($$ update public.character_module_items set equipped = false $$), 1,
    'player: unequips their own item'
);
select throws_ok(
    $$ update public.character_module_items set active = true $$, '42501', null,
    'player: may change equipped only'
);
select throws_ok(
    $$ select app_private.apply_character_condition(md5('ch_player')::uuid, 'pgtap-m1', 'dazed') $$,
    '42501', null, 'player: applies no condition'
);
select throws_ok(
    $$ select app_private.remove_character_condition(
        md5('ch_player')::uuid, 'pgtap-m1', 'dazed'
    ) $$,
    '42501', null, 'player: removes no condition'
);
select throws_ok(
    $$ select app_private.enable_game_module(md5('c1')::uuid, 'pgtap-m2', '1.0.0') $$,
    '42501', null, 'player: enables no module'
);
select throws_ok(
    $$ delete from public.character_conditions $$, '42501', null,
    'player: cannot delete conditions directly'
);

-- ============================================================================ other player
select tests.act_as('other');
select is(
    (
        select count(*)::integer from storage.objects
        where bucket_id = 'module-assets'
    ),
    0,
    'other: reads no module asset'
);
select is(
    pg_temp.visible_ids('game_modules', 'id', array['pgtap-m1', 'pgtap-m2']), '{}',
    'other: reads no module (their campaign enables none)'
);
select is(
    tests.visible('character_module_items', array['mi_player', 'mi_other']), array['mi_other'],
    'other: reads their own character''s module item, not another campaign''s'
);
select is(
    (select count(*)::integer from public.character_conditions), 0,
    'other: reads no condition of another campaign'
);
select is(
    (select count(*)::integer from app_private.check_module_sources(md5('ch_player')::uuid)), 0,
    'other: a character of another campaign yields no module sources'
);

-- ============================================================================ admin
select tests.act_as('admin');
select is(
    (
        select count(*)::integer from storage.objects
        where bucket_id = 'module-assets'
    ),
    2,
    'admin (module.manage): reads every module asset'
);
select is(
    pg_temp.visible_ids('game_module_versions', 'module_id', array['pgtap-m1', 'pgtap-m2']),
    array['pgtap-m1', 'pgtap-m2'], 'admin: reads every installed version'
);
select throws_ok(
    $$ select app_private.remove_game_module('pgtap-m1') $$, '23503', null,
    'admin: cannot remove a version a campaign pins'
);
select is(
    app_private.remove_game_module('pgtap-m2'), 1, 'admin: removes an unpinned module'
);
select is(
    app_private.remove_character_condition(md5('ch_player')::uuid, 'pgtap-m1', 'dazed'), true,
    'admin (module.manage): removes a condition'
);
reset role;
select is(
    (
        select array_agg(op::text order by id) from audit.record_version
        where table_name = 'character_conditions'
    ),
    array['INSERT', 'DELETE'], 'applying and removing a condition are audited'
);

select finish();
rollback;
