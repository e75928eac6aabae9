-- Content functions: locale fallbacks, localized views, pack pinning and challenge draws.

begin;
set local search_path = public, extensions, tests;
select plan(14);

-- Arrange (as the superuser): gm runs c1 (Spanish); pack v1 holds perro (A1) and tener (A2);
-- gato (A1) joins the deck after v1, so c1, pinned to v1, never draws it.
insert into auth.users (id, email)
select
    md5(u)::uuid as id,
    u || '@pgtap.test' as email
from unnest(array['gm', 'player']) as u;
insert into public.campaigns (id, owner_id, name, target_language, visibility) values
(md5('c1')::uuid, md5('gm')::uuid, 'Private campaign', 'es', 'private'),
(md5('c2')::uuid, md5('gm')::uuid, 'Open campaign', 'es', 'public');
insert into public.content_packs (id, slug, learning_language) values
(md5('pack')::uuid, 'pgtap-pack', 'es');
insert into public.lexemes (id, learning_language, lemma, part_of_speech, cefr, published_at)
values
(md5('perro')::uuid, 'es', 'perro', 'noun', 'A1', now()),
(md5('tener')::uuid, 'es', 'tener', 'verb', 'A2', now()),
(md5('gato')::uuid, 'es', 'gato', 'noun', 'A1', now());
insert into public.lexeme_glosses (lexeme_id, locale, gloss) values
(md5('perro')::uuid, 'en', 'dog'),
(md5('perro')::uuid, 'pt', 'cão'),
(md5('perro')::uuid, 'pt-BR', 'cachorro'),
(md5('tener')::uuid, 'en', 'to have'),
(md5('tener')::uuid, 'pt', 'ter'),
(md5('gato')::uuid, 'en', 'cat');
insert into public.decks (id, pack_id, learning_language, published_at) values
(md5('deck')::uuid, md5('pack')::uuid, 'es', now());
insert into public.deck_lexemes (deck_id, lexeme_id) values
(md5('deck')::uuid, md5('perro')::uuid),
(md5('deck')::uuid, md5('tener')::uuid);
select app_private.snapshot_content_pack(md5('pack')::uuid) as version;
insert into public.campaign_content_packs (campaign_id, pack_version_id)
select
    md5('c1')::uuid as campaign_id,
    v.id as pack_version_id
from public.content_pack_versions as v
where v.pack_id = md5('pack')::uuid and v.version = 1;
insert into public.deck_lexemes (deck_id, lexeme_id) values
(md5('deck')::uuid, md5('gato')::uuid);
select app_private.snapshot_content_pack(md5('pack')::uuid) as version;

create function pg_temp.act_as(actor text)
returns void
language sql
as $$
    select
        set_config('role', 'none', true),
        set_config(
            'request.jwt.claims',
            json_build_object('role', 'authenticated', 'sub', md5(actor)::uuid)::text,
            true
        ),
        set_config('role', 'authenticated', true)
$$;

grant execute on function pg_temp.act_as(text) to authenticated;
-- ============================================================================ locales
select is(public.locale_chain('pt-BR'), array['pt-BR', 'pt', 'en'], 'pt-BR falls back to pt, en');
select is(public.locale_chain('de'), array['de', 'en'], 'de falls back to en');
select is(public.locale_chain('xx'), array['en'], 'an unknown locale resolves to en');

-- ============================================================================ player
select pg_temp.act_as('player');
select is(
    (
        select l.gloss from public.localized_lexemes('pt-BR') as l
        where l.lemma = 'perro'
    ),
    'cachorro',
    'pt-BR readers get the pt-BR gloss when there is one'
);
select is(
    (
        select l.gloss || '/' || l.gloss_locale from public.localized_lexemes('pt-BR') as l
        where l.lemma = 'tener'
    ),
    'ter/pt',
    'pt-BR readers fall back to the pt gloss'
);
select is(
    (
        select l.gloss from public.localized_lexemes('de') as l
        where l.lemma = 'gato'
    ),
    'cat',
    'de readers fall back to the English gloss'
);
select throws_ok(
    $$ select * from public.draw_challenge_lexemes(md5('c1')::uuid, 'A1', 1) $$,
    '42501', null, 'non-members cannot draw a campaign''s challenge lexemes'
);
select is(
    (select count(*)::integer from public.campaign_content_packs), 0,
    'non-members do not see a private campaign''s pinned pack'
);

-- ============================================================================ game master
select pg_temp.act_as('gm');
select is(
    (select array_agg(d.lemma order by d.lemma) from public.draw_challenge_lexemes(
        md5('c1')::uuid, 'A1', 10
    ) as d),
    array['perro'],
    'a pinned campaign draws from its pinned version only (gato came later)'
);
select is(
    (select array_agg(d.lemma order by d.lemma) from public.draw_challenge_lexemes(
        md5('c2')::uuid, 'A1', 10
    ) as d),
    array['gato', 'perro'],
    'an unpinned campaign draws from the newest version of its language''s pack'
);
select is(
    (select d.gloss from public.draw_challenge_lexemes(md5('c1')::uuid, 'A2', 1, 'pt-BR') as d),
    'ter',
    'drawn lexemes are glossed in the learner locale with fallbacks'
);
select is(
    (select count(*)::integer from public.draw_challenge_lexemes(md5('c2')::uuid, null, 2)), 2,
    'at most n lexemes are drawn'
);
select throws_ok(
    $$ select * from public.draw_challenge_lexemes(md5('c1')::uuid, 'A1', 0) $$,
    '22023', null, 'n must be positive'
);

-- ============================================================================ indexer's view
select set_config('role', 'none', true);
select is(
    (
        select count(distinct o.entity_id)::integer from app_private.search_outbox as o
        where o.kind = 'campaign' and o.entity_id in (md5('c1')::uuid, md5('c2')::uuid)
    ),
    2,
    'campaign changes are enqueued for the search indexer'
);

select finish();
rollback;
