-- RLS of storage.objects for the game's buckets (avatars, campaign-maps, handouts,
-- lexeme-audio) and of storage.buckets: what anon, a player, another campaign's player, the
-- game master, a content editor and an admin see, upload, replace and delete. The storage
-- service runs every object statement as the caller exactly like this (role + claims).

begin;
set local search_path = public, extensions, tests;
select plan(46);

-- Arrange (as the superuser). Ids are md5(<label>)::uuid. gm runs c1 with player; other runs
-- c2; editor is a content_editor; admin holds admin. Lexemes: pub (published), draft.
insert into auth.users (id, email)
select
    md5(u)::uuid as id,
    u || '@pgtap.test' as email
from unnest(array['gm', 'player', 'other', 'editor', 'admin']) as u;
insert into app_private.user_roles (user_id, role) values
(md5('editor')::uuid, 'content_editor'),
(md5('admin')::uuid, 'admin');
insert into public.campaigns (id, owner_id, name, target_language) values
(md5('c1')::uuid, md5('gm')::uuid, 'Campaign one', 'es'),
(md5('c2')::uuid, md5('other')::uuid, 'Campaign two', 'es');
insert into public.campaign_members (campaign_id, user_id, role) values
(md5('c1')::uuid, md5('player')::uuid, 'player');
insert into public.lexemes (
    id, learning_language, lemma, part_of_speech, cefr, published_at, audio_path
) values
(md5('pub')::uuid, 'es', 'perro', 'noun', 'A1', now(), '/uploads/perro_1.mp3'),
(md5('draft')::uuid, 'es', 'mazmorra', 'noun', 'B2', null, 'https://cms.test/uploads/maz_1.mp3');
-- One object per case; user_metadata.label names it in the assertions.
insert into storage.objects (bucket_id, name, version, metadata, user_metadata)
select
    o.bucket_id,
    md5(o.scope)::uuid || '/' || o.file as name,
    gen_random_uuid()::text as version,
    '{"size": 1}'::jsonb as metadata,
    jsonb_build_object('label', o.label, 'revealed', o.revealed) as user_metadata
from (
    values
    ('avatars', 'player', 'face.png', 'player-face', false),
    ('avatars', 'other', 'face.png', 'other-face', false),
    ('campaign-maps', 'c1', 'map.png', 'c1-map', false),
    ('campaign-maps', 'c2', 'map.png', 'c2-map', false),
    ('handouts', 'c1', 'secret.png', 'c1-secret', false),
    ('handouts', 'c1', 'clue.png', 'c1-clue', true),
    ('lexeme-audio', 'pub', 'a.mp3', 'pub-audio', false),
    ('lexeme-audio', 'draft', 'b.mp3', 'draft-audio', false)
) as o (bucket_id, scope, file, label, revealed);
-- Audio stored from Strapi media events: lexeme-audio/cms/<file>, named by lexemes' audio_path.
insert into storage.objects (bucket_id, name, version, metadata, user_metadata) values
('lexeme-audio', 'cms/perro_1.mp3', 'v1', '{"size": 1}', '{"label": "pub-cms"}'),
('lexeme-audio', 'cms/maz_1.mp3', 'v1', '{"size": 1}', '{"label": "draft-cms"}'),
('lexeme-audio', 'cms/orphan_1.mp3', 'v1', '{"size": 1}', '{"label": "orphan-cms"}');

-- The labels of the objects the current role sees.
create function pg_temp.seen()
returns text[]
language sql
as $$
    select coalesce(array_agg(o.user_metadata ->> 'label' order by o.user_metadata ->> 'label'), '{}')
    from storage.objects as o
$$;

-- Whether the current role may create `<bucket>/<md5(scope)>/<file>` (rolled back).
create function pg_temp.may_insert(bucket text, scope text, file text)
returns boolean
language plpgsql
as $$
begin
    begin
        insert into storage.objects (bucket_id, name, version, metadata)
        values (bucket, md5(scope)::uuid || '/' || file, 'probe', '{"size": 1}');
        raise sqlstate 'TSTRB';
    exception
        when sqlstate 'TSTRB' then return true;
        when insufficient_privilege then return false;
    end;
end;
$$;

-- How many of the labelled objects a statement of `kind` ('update' or 'delete') changes.
create function pg_temp.changes(kind text, label text)
returns integer
language sql
as $$
    select tests.affected(case kind
        when 'update' then pg_catalog.format(
            'update storage.objects set metadata = %L where user_metadata ->> %L = %L',
            '{"size": 2}', 'label', label
        )
        else pg_catalog.format(
            'delete from storage.objects where user_metadata ->> %L = %L', 'label', label
        )
    end)
$$;

grant execute on function pg_temp.seen() to anon, authenticated;
grant execute on function pg_temp.may_insert(text, text, text) to anon, authenticated;
grant execute on function pg_temp.changes(text, text) to anon, authenticated;

-- ============================================================================ structure
select policies_are(
    'storage', 'objects',
    array[
        'Users read their own avatar folder and admins read all avatars',
        'Users upload avatars into their own folder',
        'Users replace avatars in their own folder',
        'Users delete their own avatars and admins delete any',
        'Campaign members and moderators read campaign maps',
        'Game masters upload maps to their live campaigns',
        'Game masters replace maps of their live campaigns',
        'Game masters delete maps of their live campaigns',
        'Game masters read handouts and members read revealed ones',
        'Game masters upload handouts to their live campaigns',
        'Game masters change handouts of their live campaigns',
        'Game masters delete handouts of their live campaigns',
        'Anyone reads the audio of lexemes they may read',
        'Anyone reads CMS audio of lexemes they may read',
        'Content editors upload lexeme audio',
        'Content editors replace lexeme audio',
        'Content editors delete lexeme audio',
        'Campaigns enabling a module version read its assets'
    ],
    'storage.objects has exactly the game buckets'' policies'
);
select ok(
    (
        select c.relrowsecurity from pg_class as c
        where c.oid = 'storage.objects'::regclass
    ),
    'RLS is enabled on storage.objects'
);
select ok(
    (
        select c.relrowsecurity from pg_class as c
        where c.oid = 'storage.buckets'::regclass
    ),
    'RLS is enabled on storage.buckets'
);

-- ============================================================================ anon
select tests.act_as('anon');
select is(
    pg_temp.seen(), array['pub-audio', 'pub-cms'],
    'anon sees only the audio of published lexemes (also when Strapi''s URL names it)'
);
select ok(
    not pg_temp.may_insert('avatars', 'player', 'x.png'), 'anon cannot upload anything'
);
select is(
    (select count(*)::integer from storage.buckets), 5, 'anon reads the bucket list'
);
select throws_ok(
    $$ select * from storage.resumable_uploads $$,
    '42501', null, 'anon cannot read resumable uploads'
);

-- ============================================================================ player
select tests.act_as('player');
select is(
    pg_temp.seen(), array['c1-clue', 'c1-map', 'player-face', 'pub-audio', 'pub-cms'],
    'a player sees their avatar, their campaign''s map, revealed handouts, published audio'
);
select ok(pg_temp.may_insert('avatars', 'player', 'new.png'), 'a player uploads into own folder');
select ok(
    not pg_temp.may_insert('avatars', 'other', 'new.png'),
    'a player cannot upload into another user''s avatar folder'
);
select ok(
    not pg_temp.may_insert('campaign-maps', 'c1', 'new.png'),
    'a player cannot upload maps'
);
select ok(not pg_temp.may_insert('handouts', 'c1', 'new.png'), 'a player cannot upload handouts');
select ok(
    not pg_temp.may_insert('lexeme-audio', 'pub', 'new.mp3'), 'a player cannot upload audio'
);
select is(pg_temp.changes('update', 'player-face'), 1, 'a player replaces their own avatar');
select is(pg_temp.changes('delete', 'other-face'), 0, 'a player cannot delete another avatar');
select is(pg_temp.changes('delete', 'c1-map'), 0, 'a player cannot delete a map');
select throws_ok(
    $$ select public.reveal_handout(md5('c1')::uuid || '/secret.png') $$,
    'P0002', null, 'a player cannot reveal a handout'
);
select throws_ok(
    $$ insert into storage.buckets (id, name) values ('mine', 'mine') $$,
    '42501', null, 'a player cannot create buckets'
);

-- ============================================================================ other player
select tests.act_as('other');
select is(
    pg_temp.seen(), array['c2-map', 'other-face', 'pub-audio', 'pub-cms'],
    'another campaign''s gm sees none of c1''s files nor the player''s avatar'
);
select ok(
    not pg_temp.may_insert('campaign-maps', 'c1', 'new.png'),
    'nobody outside c1 uploads its maps'
);
select is(pg_temp.changes('update', 'c1-map'), 0, 'nobody outside c1 replaces its maps');
select is(pg_temp.changes('delete', 'c1-secret'), 0, 'nobody outside c1 deletes its handouts');

-- ============================================================================ gm
select tests.act_as('gm');
select is(
    pg_temp.seen(), array['c1-clue', 'c1-map', 'c1-secret', 'pub-audio', 'pub-cms'],
    'the gm sees every file of their campaign, hidden handouts included'
);
select ok(pg_temp.may_insert('campaign-maps', 'c1', 'new.png'), 'the gm uploads maps');
select ok(pg_temp.may_insert('handouts', 'c1', 'new.png'), 'the gm uploads handouts');
select ok(
    not pg_temp.may_insert('campaign-maps', 'c2', 'new.png'),
    'the gm cannot upload into another campaign'
);
select ok(
    not pg_temp.may_insert('avatars', 'player', 'new.png'),
    'the gm cannot upload a player''s avatar'
);
select is(pg_temp.changes('update', 'c1-map'), 1, 'the gm replaces a map');
select is(pg_temp.changes('delete', 'c1-secret'), 1, 'the gm deletes a handout');
select lives_ok(
    $$ select public.reveal_handout(md5('c1')::uuid || '/secret.png') $$,
    'the gm reveals a handout'
);
select tests.act_as('player');
select ok(
    'c1-secret' = any(pg_temp.seen()), 'the player sees the handout once the gm revealed it'
);
reset role;
update storage.objects set user_metadata = user_metadata || '{"revealed": false}'
where user_metadata ->> 'label' = 'c1-secret';
update public.campaigns set status = 'archived'
where id = md5('c1')::uuid;
select tests.act_as('gm');
select ok(
    not pg_temp.may_insert('campaign-maps', 'c1', 'late.png'),
    'the gm cannot upload maps once the campaign is archived'
);
select is(
    pg_temp.changes('delete', 'c1-map'), 0, 'nor delete them (the archive is kept)'
);
reset role;
update public.campaigns set status = 'active'
where id = md5('c1')::uuid;

-- ============================================================================ editor
select tests.act_as('editor');
select is(
    pg_temp.seen(), array['draft-audio', 'draft-cms', 'pub-audio', 'pub-cms'],
    'an editor sees the audio of every lexeme, drafts included, and no game files'
);
select ok(pg_temp.may_insert('lexeme-audio', 'pub', 'new.mp3'), 'an editor uploads audio');
select is(pg_temp.changes('update', 'draft-audio'), 1, 'an editor replaces audio');
select is(pg_temp.changes('delete', 'pub-audio'), 1, 'an editor deletes audio');
select ok(
    not pg_temp.may_insert('campaign-maps', 'c1', 'new.png'), 'an editor cannot upload maps'
);

-- ============================================================================ admin
select tests.act_as('admin');
select is(
    pg_temp.seen(),
    array[
        'c1-clue', 'c1-map', 'c1-secret', 'c2-map', 'draft-audio', 'draft-cms', 'other-face',
        'player-face', 'pub-audio', 'pub-cms'
    ],
    'an admin (user.manage, campaign.moderate, content.write) sees every object a lexeme names'
);
select is(pg_temp.changes('delete', 'other-face'), 1, 'an admin deletes any avatar');
select ok(
    not pg_temp.may_insert('avatars', 'player', 'new.png'),
    'an admin cannot upload into a user''s avatar folder'
);
select is(pg_temp.changes('delete', 'c2-map'), 0, 'an admin does not delete campaign maps');
select lives_ok(
    $$ insert into storage.buckets (id, name) values ('pgtap-bucket', 'pgtap-bucket') $$,
    'an admin (storage.manage) creates buckets'
);
select is(
    tests.affected($$ delete from storage.buckets where id = 'pgtap-bucket' $$),
    1, 'and deletes them'
);

-- ============================================================================ operation
reset role;
select is(storage.operation(), null, 'storage.operation() is null outside a storage request');
select set_config('storage.operation', 'storage.object.list_v2', true);
select is(
    storage.operation(), 'storage.object.list_v2', 'storage.operation() names the request''s'
);

select finish();
rollback;
