-- RLS of the learning content tables: readers see published content outside other campaigns'
-- restrictions; content editors (has_permission) write.

begin;
set local search_path = public, extensions, tests;
select plan(39);

-- Arrange (as the superuser). Every row's id is md5(<label>)::uuid, so a label names it.
-- Users: gm runs campaign c1 (private); player belongs to nothing; editor is a content_editor.
-- Lexemes: pub (published), draft (unpublished), secret (published, restricted to c1).
insert into auth.users (id, email)
select
    md5(u)::uuid as id,
    u || '@pgtap.test' as email
from unnest(array['gm', 'player', 'editor', 'member', 'admin']) as u;
insert into app_private.user_roles (user_id, role) values
(md5('editor')::uuid, 'content_editor'),
(md5('admin')::uuid, 'admin');
insert into public.campaigns (id, owner_id, name, target_language, visibility) values
(md5('c1')::uuid, md5('gm')::uuid, 'Private campaign', 'es', 'private');
insert into public.campaign_members (campaign_id, user_id, role) values
(md5('c1')::uuid, md5('member')::uuid, 'player');
insert into public.content_packs (id, slug, learning_language) values
(md5('pack')::uuid, 'pgtap-pack', 'es');
insert into public.lexemes (
    id, learning_language, lemma, part_of_speech, cefr, published_at, restricted_campaign_id
) values
(md5('pub')::uuid, 'es', 'perro', 'noun', 'A1', now(), null),
(md5('draft')::uuid, 'es', 'mazmorra', 'noun', 'B2', null, null),
(md5('secret')::uuid, 'es', 'grimorio', 'noun', 'C1', now(), md5('c1')::uuid);
insert into public.lexeme_glosses (lexeme_id, locale, gloss)
select
    md5(l)::uuid as lexeme_id,
    'en' as locale,
    l || ' gloss' as gloss
from unnest(array['pub', 'draft', 'secret']) as l;
insert into public.decks (id, pack_id, learning_language, published_at, restricted_campaign_id)
values
(md5('d_pub')::uuid, md5('pack')::uuid, 'es', now(), null),
(md5('d_secret')::uuid, md5('pack')::uuid, 'es', now(), md5('c1')::uuid);
-- A frozen pack version holding every pairing of the two decks and two published lexemes.
insert into public.content_packs (id, slug, learning_language) values
(md5('pack2')::uuid, 'pgtap-pack-2', 'es');
insert into public.content_pack_versions (id, pack_id, version) values
(md5('v99')::uuid, md5('pack2')::uuid, 99);
insert into public.content_pack_version_lexemes (pack_version_id, deck_id, lexeme_id)
select
    md5('v99')::uuid as pack_version_id,
    md5(d)::uuid as deck_id,
    md5(l)::uuid as lexeme_id
from unnest(array['d_pub', 'd_secret']) as d
cross join unnest(array['pub', 'secret']) as l;
insert into public.lessons (id, deck_id, published_at) values
(md5('l_pub')::uuid, md5('d_pub')::uuid, now()),
(md5('l_secret')::uuid, md5('d_secret')::uuid, now());

-- The labels among `candidates` whose rows the current role can see in public.<tbl>.<col>.
create function pg_temp.visible(tbl text, col text, candidates text[])
returns text[]
language plpgsql
as $$
declare
    result text[];
begin
    execute format(
        'select coalesce(array_agg(c order by c), ''{}'') from unnest($1) as c'
        ' where exists (select from public.%I as t where t.%I = md5(c)::uuid)', tbl, col
    ) into result using candidates;
    return result;
end;
$$;

grant execute on function pg_temp.visible(text, text, text[]) to anon, authenticated;

-- The '<deck>:<lexeme>' pairings of md5-labelled decks and lexemes visible in public.<tbl>.
create function pg_temp.pairings(tbl text)
returns text[]
language plpgsql
as $$
declare
    result text[];
begin
    execute format(
        'select coalesce(array_agg(d || '':'' || l order by d, l), ''{}'')'
        ' from unnest(array[''d_pub'', ''d_secret'']) as d'
        ' cross join unnest(array[''pub'', ''secret'']) as l'
        ' where exists (select from public.%I as t'
        ' where t.deck_id = md5(d)::uuid and t.lexeme_id = md5(l)::uuid)', tbl
    ) into result;
    return result;
end;
$$;

grant execute on function pg_temp.pairings(text) to anon, authenticated;
-- ============================================================================ structure
select ok(
    (
        select bool_and(c.relrowsecurity) from pg_class as c
        where c.oid = any(array[
            'public.lexemes', 'public.lexeme_forms', 'public.lexeme_glosses',
            'public.lexeme_examples', 'public.decks', 'public.deck_translations',
            'public.deck_lexemes', 'public.lessons', 'public.lesson_translations',
            'public.locales', 'public.content_packs', 'public.content_pack_versions',
            'public.content_pack_version_lexemes', 'public.campaign_content_packs'
        ]::regclass[])
    ),
    'RLS is enabled on every content table'
);
select policies_are(
    'public', 'lexemes',
    array[
        'Anyone can read published lexemes not restricted to a campaign',
        'Users can read lexemes published for them, editors all lexemes',
        'Content editors can create lexemes',
        'Content editors can update lexemes',
        'Content editors can delete lexemes'
    ],
    'lexemes has exactly its policies'
);
select policy_cmd_is(
    'public', 'lexemes', 'Content editors can update lexemes', 'update',
    'the update policy covers updates only'
);
select policy_roles_are(
    'public', 'lexemes', 'Content editors can create lexemes', array['authenticated'],
    'only signed-in users may try to create lexemes'
);

-- ============================================================================ anon
select tests.act_as('anon');
select is(
    pg_temp.visible('lexemes', 'id', array['pub', 'draft', 'secret']), array['pub'],
    'anon reads published, unrestricted lexemes only'
);
select is(
    pg_temp.visible('lexeme_glosses', 'lexeme_id', array['pub', 'draft', 'secret']), array['pub'],
    'anon reads the glosses of visible lexemes only'
);
select is(
    pg_temp.visible('decks', 'id', array['d_pub', 'd_secret']), array['d_pub'],
    'anon reads the unrestricted deck only'
);
select is(
    pg_temp.visible('lessons', 'id', array['l_pub', 'l_secret']), array['l_pub'],
    'anon reads lessons of visible decks only'
);
select throws_ok(
    $$ insert into public.lexemes (learning_language, lemma, part_of_speech, cefr)
       values ('es', 'gato', 'noun', 'A1') $$,
    '42501', null, 'anon cannot create lexemes'
);

-- ============================================================================ player
select tests.act_as('player');
select is(
    pg_temp.visible('lexemes', 'id', array['pub', 'draft', 'secret']), array['pub'],
    'a player outside c1 does not see its restricted lexeme'
);
select is(
    pg_temp.visible('lessons', 'id', array['l_pub', 'l_secret']), array['l_pub'],
    'a player outside c1 does not see its restricted lessons'
);
select throws_ok(
    $$ insert into public.lexemes (learning_language, lemma, part_of_speech, cefr)
       values ('es', 'gato', 'noun', 'A1') $$,
    '42501', null, 'a player cannot create lexemes'
);
select is(
    tests.affected($$ update public.lexemes set lemma = 'perrito' $$), 0,
    'a player cannot edit lexemes'
);
select is(
    tests.affected($$ delete from public.lexeme_glosses $$), 0,
    'a player cannot delete glosses'
);
select throws_ok(
    $$ select * from public.draw_challenge_lexemes(md5('c1')::uuid, 'A1', 3) $$,
    '42501', null, 'a player outside c1 cannot draw its challenge lexemes'
);
select throws_ok(
    $$ select public.publish_content_pack('pgtap-pack') $$,
    '42501', null, 'a player cannot publish a content pack'
);

-- ============================================================================ game master
select tests.act_as('gm');
select is(
    pg_temp.visible('lexemes', 'id', array['pub', 'draft', 'secret']), array['pub', 'secret'],
    'a member of c1 sees its restricted lexeme, not drafts'
);
select is(
    pg_temp.visible('lexeme_glosses', 'lexeme_id', array['pub', 'draft', 'secret']),
    array['pub', 'secret'],
    'a member of c1 sees the restricted lexeme''s glosses'
);
select is(
    pg_temp.visible('lessons', 'id', array['l_pub', 'l_secret']), array['l_pub', 'l_secret'],
    'a member of c1 sees the restricted deck''s lessons'
);
select is(
    tests.affected($$ update public.lexemes set lemma = 'x' $$), 0,
    'a game master is no content editor'
);

-- ============================================================================ editor
select tests.act_as('editor');
select is(
    pg_temp.visible('lexemes', 'id', array['pub', 'draft', 'secret']),
    array['draft', 'pub', 'secret'],
    'an editor sees drafts and restricted lexemes'
);
select lives_ok(
    $$ insert into public.lexemes (id, learning_language, lemma, part_of_speech, cefr, published_at)
       values (md5('new')::uuid, 'es', 'gato', 'noun', 'A1', now()) $$,
    'an editor creates and publishes a lexeme'
);
select is(
    tests.affected(
        $$ update public.lexeme_glosses set gloss = 'dog' where lexeme_id = md5('pub')::uuid $$
    ),
    1,
    'an editor edits glosses'
);
select is(
    tests.affected($$ delete from public.lexemes where id = md5('draft')::uuid $$), 1,
    'an editor deletes lexemes'
);
select throws_ok(
    $$ insert into public.lexeme_glosses (lexeme_id, locale, gloss)
       values (md5('pub')::uuid, 'tlh', 'Qagh') $$,
    '23503', null, 'glosses need a known locale'
);
select is(
    public.publish_content_pack('pgtap-pack'), 1,
    'an editor publishes version 1 of the pack'
);

-- ============================================================================ service role
select set_config('role', 'none', true);
select set_config('request.jwt.claims', '{"role": "service_role"}', true);
select set_config('role', 'service_role', true);
select is(
    (
        select count(distinct entity_id)::integer
        from app_private.search_outbox
        where
            kind = 'lexeme'
            and entity_id in (md5('new')::uuid, md5('pub')::uuid, md5('secret')::uuid)
    ),
    3,
    'every written lexeme (the editor''s too) is enqueued for the search indexer'
);
select is(
    (select count(*)::integer from app_private.search_documents('lexeme', array[md5('pub')::uuid])),
    (
        select count(*)::integer from public.locales
        where is_learner
    ),
    'a published lexeme has one search document per learner locale'
);
select is(
    (
        select count(*)::integer
        from app_private.search_documents('lexeme', array[md5('draft')::uuid])
    ),
    0,
    'a deleted or draft lexeme has no search document'
);
select is(
    (
        select d.document ->> 'audience'
        from app_private.search_documents('lexeme', array[md5('secret')::uuid]) as d
        order by d.document ->> 'locale'
        limit 1
    ),
    'campaign:' || md5('c1')::uuid::text,
    'a restricted lexeme''s documents name its campaign as audience'
);
select is(
    (
        select d.document ->> 'gloss'
        from app_private.search_documents('lexeme', array[md5('pub')::uuid]) as d
        where d.document ->> 'locale' = 'pt-BR'
    ),
    'pub gloss',
    'a pt-BR document falls back to the English gloss'
);
select throws_ok(
    $$ insert into app_private.search_outbox (kind, entity_id)
       values ('lexeme', gen_random_uuid()) $$,
    '42501', null, 'nobody but the triggers writes the outbox'
);
select is(
    (select count(*)::integer from public.lexemes), 4,
    'the service role bypasses RLS'
);

-- ============================================================================ pack memberships
-- Frozen memberships show a deck-lexeme pairing only when both are readable.
select tests.act_as('anon');
select is(
    pg_temp.pairings('content_pack_version_lexemes'), array['d_pub:pub'],
    'anon reads no restricted deck or lexeme id in pack versions'
);
select tests.act_as('player');
select is(
    pg_temp.pairings('content_pack_version_lexemes'), array['d_pub:pub'],
    'a player outside c1 reads no id restricted to c1 in pack versions'
);
select tests.act_as('member');
select is(
    pg_temp.pairings('content_pack_version_lexemes'),
    array['d_pub:pub', 'd_pub:secret', 'd_secret:pub', 'd_secret:secret'],
    'a player of c1 reads its restricted pairings in pack versions'
);
select tests.act_as('gm');
select is(
    pg_temp.pairings('content_pack_version_lexemes'),
    array['d_pub:pub', 'd_pub:secret', 'd_secret:pub', 'd_secret:secret'],
    'the game master of c1 reads its restricted pairings in pack versions'
);
select tests.act_as('admin');
select is(
    pg_temp.pairings('content_pack_version_lexemes'),
    array['d_pub:pub', 'd_pub:secret', 'd_secret:pub', 'd_secret:secret'],
    'an admin (content.write) reads every pairing in pack versions'
);
select policies_are(
    'public', 'content_pack_version_lexemes',
    array[
        'Anyone can read the pack memberships of readable decks and lexemes',
        'Users can read the pack memberships of readable decks and lexemes'
    ],
    'content_pack_version_lexemes has exactly its read policies'
);

select finish();
rollback;
