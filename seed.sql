-- Seed: a small believable world for local development (DML only, safe to re-run).
-- Accounts and passwords: docs/seed-accounts.md. Fixed uuids; every insert skips existing rows.
-- Users go into auth.users; the profile trigger gives each a profile and the player role.

-- Rolls may only be inserted in a transaction marked by the dice service (see the dice_rolls
-- migration); the seed loader runs this file in one transaction.
select set_config('app.roll_source', 'dice-service', true);

insert into auth.users (
    id, email, encrypted_password, email_confirmed_at, raw_app_meta_data, raw_user_meta_data
)
select
    u.id::uuid as id,
    u.email,
    extensions.crypt(u.password, extensions.gen_salt('bf', 10)) as encrypted_password,
    now() as email_confirmed_at,
    '{"provider": "email", "providers": ["email"]}'::jsonb as raw_app_meta_data,
    jsonb_build_object(
        'username', u.username, 'display_name', u.display_name, 'native_locale', u.locale
    ) as raw_user_meta_data
from (
    values
    (
        '00000000-0000-4000-a000-000000000001', 'admin@rfl.test', 'admin-password-1',
        'admin', 'Ada Admin', 'en'
    ),
    (
        '00000000-0000-4000-a000-000000000002', 'editor@rfl.test', 'editor-password-1',
        'eddie_editor', 'Eddie Editor', 'en'
    ),
    (
        '00000000-0000-4000-a000-000000000003', 'moderator@rfl.test', 'moderator-password-1',
        'mona_mod', 'Mona Moderator', 'fr'
    ),
    (
        '00000000-0000-4000-a000-000000000011', 'lucia@rfl.test', 'lucia-password-1',
        'lucia_gm', 'Lucía Márquez', 'es'
    ),
    (
        '00000000-0000-4000-a000-000000000012', 'ana@rfl.test', 'ana-password-1',
        'ana', 'Ana Bell', 'en'
    ),
    (
        '00000000-0000-4000-a000-000000000013', 'ben@rfl.test', 'ben-password-1',
        'ben', 'Ben Okafor', 'en'
    ),
    (
        '00000000-0000-4000-a000-000000000014', 'olga@rfl.test', 'olga-password-1',
        'olga_watches', 'Olga Petrova', 'ru'
    ),
    (
        '00000000-0000-4000-a000-000000000021', 'kenji@rfl.test', 'kenji-password-1',
        'kenji_gm', 'Kenji Sato', 'ja'
    ),
    (
        '00000000-0000-4000-a000-000000000022', 'chloe@rfl.test', 'chloe-password-1',
        'chloe', 'Chloé Martin', 'fr'
    ),
    (
        '00000000-0000-4000-a000-000000000023', 'dev@rfl.test', 'dev-password-1',
        'dev', 'Dev Patel', 'en'
    ),
    (
        '00000000-0000-4000-a000-000000000024', 'omar@rfl.test', 'omar-password-1',
        'omar_observes', 'Omar Haddad', 'ar'
    )
) as u (id, email, password, username, display_name, locale)
on conflict do nothing;

update public.profiles set target_locales = '{es}'
where id in (
    '00000000-0000-4000-a000-000000000012', '00000000-0000-4000-a000-000000000013',
    '00000000-0000-4000-a000-000000000014'
);

update public.profiles set target_locales = '{ja}'
where id in (
    '00000000-0000-4000-a000-000000000022', '00000000-0000-4000-a000-000000000023',
    '00000000-0000-4000-a000-000000000024'
);

insert into app_private.user_roles (user_id, role) values
('00000000-0000-4000-a000-000000000001', 'admin'),
('00000000-0000-4000-a000-000000000002', 'content_editor'),
('00000000-0000-4000-a000-000000000003', 'moderator')
on conflict do nothing;

insert into public.campaigns (
    id, owner_id, name, description, target_language, visibility, status
) values
(
    '10000000-0000-4000-a000-000000000001', '00000000-0000-4000-a000-000000000011',
    'Los Misterios de Sevilla',
    'A detective story in the alleys of Seville: question witnesses in Spanish to solve it.',
    'es', 'public', 'active'
),
(
    '10000000-0000-4000-a000-000000000002', '00000000-0000-4000-a000-000000000021',
    'Tokyo Night Market',
    'Haggle, order and make friends among the stalls of a market that only opens at night.',
    'ja', 'private', 'active'
)
on conflict do nothing;

insert into public.campaign_members (campaign_id, user_id, role) values
('10000000-0000-4000-a000-000000000001', '00000000-0000-4000-a000-000000000012', 'player'),
('10000000-0000-4000-a000-000000000001', '00000000-0000-4000-a000-000000000013', 'player'),
('10000000-0000-4000-a000-000000000001', '00000000-0000-4000-a000-000000000014', 'observer'),
('10000000-0000-4000-a000-000000000002', '00000000-0000-4000-a000-000000000022', 'player'),
('10000000-0000-4000-a000-000000000002', '00000000-0000-4000-a000-000000000023', 'player'),
('10000000-0000-4000-a000-000000000002', '00000000-0000-4000-a000-000000000024', 'observer')
on conflict do nothing;

insert into public.items (
    id, name, description, kind, rarity, is_published, created_by
) values
(
    '20000000-0000-4000-a000-000000000001', 'Pocket Dictionary',
    'Once per scene, look up one word: advantage on a vocabulary check.', 'book', 'common', true,
    '00000000-0000-4000-a000-000000000002'
),
(
    '20000000-0000-4000-a000-000000000002', 'Phrasebook of Courtesies',
    '+1 to speaking checks when greeting or thanking someone.', 'book', 'common', true,
    '00000000-0000-4000-a000-000000000002'
),
(
    '20000000-0000-4000-a000-000000000003', 'Radio Headphones',
    'Advantage on listening checks against fast speech.', 'tool', 'uncommon', true,
    '00000000-0000-4000-a000-000000000002'
),
(
    '20000000-0000-4000-a000-000000000004', 'Kanji Flashcards',
    'Spend an hour studying to reroll one failed reading check.', 'consumable', 'common', true,
    '00000000-0000-4000-a000-000000000002'
),
(
    '20000000-0000-4000-a000-000000000005', 'Amulet of Idioms',
    'Draft: understand any idiom once per session.', 'trinket', 'rare', false,
    '00000000-0000-4000-a000-000000000002'
)
on conflict do nothing;

insert into public.characters (
    id, campaign_id, owner_id, name, level, xp,
    vocabulary, grammar, listening, speaking, reading, culture
) values
(
    '30000000-0000-4000-a000-000000000001', '10000000-0000-4000-a000-000000000001',
    '00000000-0000-4000-a000-000000000012', 'Inspectora Rosa', 2, 1200, 14, 12, 10, 13, 11, 9
),
(
    '30000000-0000-4000-a000-000000000002', '10000000-0000-4000-a000-000000000001',
    '00000000-0000-4000-a000-000000000013', 'Pablo el Cartero', 1, 300, 10, 9, 15, 12, 10, 14
),
(
    '30000000-0000-4000-a000-000000000003', '10000000-0000-4000-a000-000000000002',
    '00000000-0000-4000-a000-000000000022', 'Haruka', 1, 500, 12, 11, 13, 10, 15, 12
),
(
    '30000000-0000-4000-a000-000000000004', '10000000-0000-4000-a000-000000000002',
    '00000000-0000-4000-a000-000000000023', 'Taro the Cook', 1, 0, 9, 10, 12, 14, 8, 13
)
on conflict do nothing;

insert into public.character_items (id, character_id, item_id, quantity, equipped) values
(
    '40000000-0000-4000-a000-000000000001', '30000000-0000-4000-a000-000000000001',
    '20000000-0000-4000-a000-000000000001', 1, true
),
(
    '40000000-0000-4000-a000-000000000002', '30000000-0000-4000-a000-000000000001',
    '20000000-0000-4000-a000-000000000002', 1, false
),
(
    '40000000-0000-4000-a000-000000000003', '30000000-0000-4000-a000-000000000002',
    '20000000-0000-4000-a000-000000000003', 1, true
),
(
    '40000000-0000-4000-a000-000000000004', '30000000-0000-4000-a000-000000000003',
    '20000000-0000-4000-a000-000000000004', 5, false
),
(
    '40000000-0000-4000-a000-000000000005', '30000000-0000-4000-a000-000000000004',
    '20000000-0000-4000-a000-000000000002', 1, true
)
on conflict do nothing;

insert into public.dice_rolls (
    id, campaign_id, roller_id, character_id, expression, total, detail, purpose, visibility,
    server_seed_hash, client_seed, nonce
)
select
    r.id::uuid as id,
    r.campaign_id::uuid as campaign_id,
    r.roller_id::uuid as roller_id,
    r.character_id::uuid as character_id,
    r.expression,
    r.total,
    r.detail::jsonb as detail,
    r.purpose,
    r.visibility,
    encode(
        extensions.digest('seed-server-seed-' || r.campaign_id, 'sha256'), 'hex'
    ) as server_seed_hash,
    r.client_seed,
    r.nonce
from (
    values
    (
        '50000000-0000-4000-a000-000000000001', '10000000-0000-4000-a000-000000000001',
        '00000000-0000-4000-a000-000000000012', '30000000-0000-4000-a000-000000000001',
        '1d20+2', 17, '{"rolls": [{"die": 20, "value": 15, "kept": true}], "modifier": 2}',
        'Vocabulary check: name the stolen object', 'public', 'ana-seed', 1
    ),
    (
        '50000000-0000-4000-a000-000000000002', '10000000-0000-4000-a000-000000000001',
        '00000000-0000-4000-a000-000000000013', '30000000-0000-4000-a000-000000000002',
        '1d20+2', 9, '{"rolls": [{"die": 20, "value": 7, "kept": true}], "modifier": 2}',
        'Listening check: overhear the fishmonger', 'public', 'ben-seed', 1
    ),
    (
        '50000000-0000-4000-a000-000000000003', '10000000-0000-4000-a000-000000000001',
        '00000000-0000-4000-a000-000000000011', null,
        '2d6', 8, '{"rolls": [{"die": 6, "value": 3, "kept": true}, '
        || '{"die": 6, "value": 5, "kept": true}]}',
        'Does the witness lie?', 'gm', 'lucia-seed', 1
    ),
    (
        '50000000-0000-4000-a000-000000000004', '10000000-0000-4000-a000-000000000001',
        '00000000-0000-4000-a000-000000000012', '30000000-0000-4000-a000-000000000001',
        '1d20', 4, '{"rolls": [{"die": 20, "value": 4, "kept": true}]}',
        'Whispered culture check', 'private', 'ana-seed', 2
    ),
    (
        '50000000-0000-4000-a000-000000000005', '10000000-0000-4000-a000-000000000002',
        '00000000-0000-4000-a000-000000000022', '30000000-0000-4000-a000-000000000003',
        '1d20+2', 20, '{"rolls": [{"die": 20, "value": 18, "kept": true}], "modifier": 2}',
        'Reading check: the menu board', 'public', 'chloe-seed', 1
    ),
    (
        '50000000-0000-4000-a000-000000000006', '10000000-0000-4000-a000-000000000002',
        '00000000-0000-4000-a000-000000000021', null,
        '1d100', 42, '{"rolls": [{"die": 100, "value": 42, "kept": true}]}',
        'Random stall event', 'gm', 'kenji-seed', 1
    ),
    (
        '50000000-0000-4000-a000-000000000007', '10000000-0000-4000-a000-000000000002',
        '00000000-0000-4000-a000-000000000023', '30000000-0000-4000-a000-000000000004',
        '1d20+2', 11, '{"rolls": [{"die": 20, "value": 9, "kept": true}], "modifier": 2}',
        'Whispered speaking check', 'private', 'dev-seed', 1
    )
)
    as r (
        id, campaign_id, roller_id, character_id, expression, total, detail, purpose,
        visibility, client_seed, nonce
    )
on conflict do nothing;

-- Check rules (issue 11, finding 6): the sheets' languages, Tokyo's own DC table and a
-- modifier the Sevilla gm granted Inspectora Rosa (apply it by id in a check).
insert into public.character_languages (id, character_id, language, proficiency) values
(
    '60000000-0000-4000-a000-000000000001', '30000000-0000-4000-a000-000000000001', 'es',
    'trained'
),
(
    '60000000-0000-4000-a000-000000000002', '30000000-0000-4000-a000-000000000002', 'es',
    'expert'
),
(
    '60000000-0000-4000-a000-000000000003', '30000000-0000-4000-a000-000000000003', 'ja',
    'trained'
),
(
    '60000000-0000-4000-a000-000000000004', '30000000-0000-4000-a000-000000000004', 'ja',
    'native'
)
on conflict do nothing;

insert into public.campaign_rules (campaign_id, dc_b2, dc_c1, dc_c2) values
('10000000-0000-4000-a000-000000000002', 15, 18, 22)
on conflict do nothing;

insert into public.granted_modifiers (
    id, character_id, granted_by, amount, type, ability, reason, single_use
) values (
    '70000000-0000-4000-a000-000000000001', '30000000-0000-4000-a000-000000000001',
    '00000000-0000-4000-a000-000000000011', 2, 'circumstance', 'vocabulary',
    'Pocket Dictionary open at the right page', true
)
on conflict do nothing;
