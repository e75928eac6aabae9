-- unpublish_content_pack and publish_content_pack as its inverse: content editors and admins
-- withdraw a pack's published decks (audited, enqueued for search), nobody else; publishing the
-- pack again restores them, leaving drafts alone.

begin;
set local search_path = public, extensions, tests;
select plan(14);

-- Arrange (as the superuser). Every row's id is md5(<label>)::uuid, so a label names it.
insert into auth.users (id, email)
select
    md5(u)::uuid as id,
    u || '@pgtap.test' as email
from unnest(array['gm', 'player', 'other', 'moderator', 'editor', 'admin']) as u;
insert into app_private.user_roles (user_id, role) values
(md5('moderator')::uuid, 'moderator'),
(md5('editor')::uuid, 'content_editor'),
(md5('admin')::uuid, 'admin');
insert into public.campaigns (id, owner_id, name, target_language, visibility) values
(md5('c1')::uuid, md5('gm')::uuid, 'Campaign', 'es', 'public');
insert into public.campaign_members (campaign_id, user_id, role) values
(md5('c1')::uuid, md5('player')::uuid, 'player');
insert into public.content_packs (id, slug, learning_language) values
(md5('pack')::uuid, 'pgtap-unpublish', 'es');
insert into public.decks (id, pack_id, learning_language, published_at) values
(md5('live')::uuid, md5('pack')::uuid, 'es', '2026-01-02T03:04:05Z'),
(md5('draft')::uuid, md5('pack')::uuid, 'es', null);
delete from app_private.search_outbox;

select tests.act_as('anon');
select throws_ok(
    $$ select public.unpublish_content_pack('pgtap-unpublish') $$,
    '42501', null, 'anon cannot unpublish'
);
select tests.act_as('player');
select throws_ok(
    $$ select public.unpublish_content_pack('pgtap-unpublish') $$,
    '42501', 'content.publish permission required', 'a player cannot unpublish'
);
select tests.act_as('other');
select throws_ok(
    $$ select public.unpublish_content_pack('pgtap-unpublish') $$,
    '42501', 'content.publish permission required', 'another player cannot unpublish'
);
select tests.act_as('gm');
select throws_ok(
    $$ select public.unpublish_content_pack('pgtap-unpublish') $$,
    '42501', 'content.publish permission required', 'a gm cannot unpublish'
);
select tests.act_as('moderator');
select throws_ok(
    $$ select public.unpublish_content_pack('pgtap-unpublish') $$,
    '42501', 'content.publish permission required', 'a moderator cannot unpublish'
);
select tests.act_as('editor');
select throws_ok(
    $$ select public.unpublish_content_pack('no-such-pack') $$,
    'PT404', 'content pack not found', 'an unknown slug is 404'
);
select is(public.unpublish_content_pack('pgtap-unpublish'), 1, 'an editor withdraws the live deck');
select tests.act_as('anon');
select is(tests.visible('decks', array['live', 'draft']), '{}', 'anon no longer sees the deck');
reset role;
select ok(
    exists (
        select from app_private.search_outbox
        where kind = 'deck' and entity_id = md5('live')::uuid
    ),
    'the withdrawn deck is enqueued for the search index'
);
select row_eq(
    $$ select a.actor_id, a.op, (a.record ->> 'published_at')::timestamptz
       from audit.record_version as a
       where a.table_name = 'unpublished_pack_decks' order by a.id limit 1 $$,
    row(md5('editor')::uuid, 'INSERT'::text, '2026-01-02T03:04:05Z'::timestamptz),
    'the withdrawal is audited with the editor and the publication time'
);
select tests.act_as('admin');
select is(public.unpublish_content_pack('pgtap-unpublish'), 0, 'unpublishing again withdraws none');
select tests.act_as('editor');
select is(public.publish_content_pack('pgtap-unpublish'), 1, 'publishing again freezes version 1');
reset role;
select results_eq(
    $$ select id, published_at from public.decks where pack_id = md5('pack')::uuid
       order by published_at nulls last $$,
    $$ values (md5('live')::uuid, '2026-01-02T03:04:05Z'::timestamptz),
              (md5('draft')::uuid, null::timestamptz) $$,
    'the withdrawn deck gets its publication time back, the draft stays a draft'
);
select is(
    (select count(*)::integer from app_private.unpublished_pack_decks), 0,
    'nothing is left to restore'
);

select finish();
rollback;
