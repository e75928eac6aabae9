-- Studio moderation RPCs: remove_campaign_member, verify_audit_chain, search_index_status, as
-- anon, player, another player, gm, content editor, moderator and admin.

begin;
set local search_path = public, extensions, tests;
select plan(19);

-- Arrange (as the superuser). Every row's id is md5(<label>)::uuid, so a label names it.
insert into auth.users (id, email)
select
    md5(u)::uuid as id,
    u || '@pgtap.test' as email
from unnest(array['gm', 'player', 'other', 'editor', 'moderator', 'admin']) as u;
insert into app_private.user_roles (user_id, role) values
(md5('editor')::uuid, 'content_editor'),
(md5('moderator')::uuid, 'moderator'),
(md5('admin')::uuid, 'admin');
insert into public.campaigns (id, owner_id, name, target_language, visibility) values
(md5('c1')::uuid, md5('gm')::uuid, 'Campaign', 'es', 'private');
insert into public.campaign_members (campaign_id, user_id, role) values
(md5('c1')::uuid, md5('player')::uuid, 'player'),
(md5('c1')::uuid, md5('other')::uuid, 'player');

-- ============================================================ remove_campaign_member
select tests.act_as('anon');
select throws_ok(
    $$ select public.remove_campaign_member(md5('c1')::uuid, md5('player')::uuid) $$,
    '42501', null, 'anon cannot remove a member'
);
select tests.act_as('player');
select throws_ok(
    $$ select public.remove_campaign_member(md5('c1')::uuid, md5('other')::uuid) $$,
    '42501', 'campaign.moderate permission required', 'a player cannot remove a fellow member'
);
select tests.act_as('other');
select throws_ok(
    $$ select public.remove_campaign_member(md5('c1')::uuid, md5('player')::uuid) $$,
    '42501', 'campaign.moderate permission required', 'another player cannot remove a member'
);
select tests.act_as('gm');
select throws_ok(
    $$ select public.remove_campaign_member(md5('c1')::uuid, md5('player')::uuid) $$,
    '42501', 'campaign.moderate permission required', 'the gm uses RLS, not the moderator RPC'
);
select tests.act_as('editor');
select throws_ok(
    $$ select public.remove_campaign_member(md5('c1')::uuid, md5('player')::uuid) $$,
    '42501', 'campaign.moderate permission required', 'a content editor cannot remove a member'
);
select tests.act_as('moderator');
select ok(
    public.remove_campaign_member(md5('c1')::uuid, md5('player')::uuid),
    'a moderator removes a member'
);
select ok(
    not public.remove_campaign_member(md5('c1')::uuid, md5('player')::uuid),
    'removing a non-member says false'
);
reset role;
select row_eq(
    $$ select actor_id, op, record_pk ->> 'user_id' from audit.record_version
       where table_name = 'campaign_members' order by id desc limit 1 $$,
    row(md5('moderator')::uuid, 'DELETE'::text, md5('player')::uuid::text),
    'the removal is audited with the moderator as actor'
);
select tests.act_as('admin');
select ok(
    public.remove_campaign_member(md5('c1')::uuid, md5('other')::uuid),
    'an admin removes a member'
);

-- ================================================================ verify_audit_chain
select tests.act_as('anon');
select throws_ok(
    $$ select * from public.verify_audit_chain() $$, '42501', null, 'anon cannot verify'
);
select tests.act_as('player');
select throws_ok(
    $$ select * from public.verify_audit_chain() $$,
    '42501', 'audit.verify permission required', 'a player cannot verify'
);
select tests.act_as('gm');
select throws_ok(
    $$ select * from public.verify_audit_chain() $$,
    '42501', 'audit.verify permission required', 'a gm cannot verify'
);
select tests.act_as('moderator');
select throws_ok(
    $$ select * from public.verify_audit_chain() $$,
    '42501', 'audit.verify permission required', 'a moderator reads but cannot verify'
);
select tests.act_as('admin');
select row_eq(
    $$ select is_valid, first_broken_id from public.verify_audit_chain() $$,
    row(true, null::bigint),
    'an admin verifies an intact chain'
);

-- =============================================================== search_index_status
select tests.act_as('anon');
select throws_ok(
    $$ select * from public.search_index_status() $$, '42501', null, 'anon cannot read it'
);
select tests.act_as('player');
select throws_ok(
    $$ select * from public.search_index_status() $$,
    '42501', 'content.publish permission required', 'a player cannot read it'
);
select tests.act_as('moderator');
select throws_ok(
    $$ select * from public.search_index_status() $$,
    '42501', 'content.publish permission required', 'a moderator cannot read it'
);
reset role;
insert into app_private.search_outbox (kind, entity_id) values ('deck', md5('d1')::uuid);
delete from app_private.search_outbox
where entity_id = md5('c1')::uuid;
select tests.act_as('editor');
select cmp_ok(
    (select outbox_depth from public.search_index_status()), '>=', 1::bigint,
    'an editor sees the outbox depth'
);
select tests.act_as('admin');
select ok(
    (select last_indexed_at is not null from public.search_index_status()),
    'deleting outbox rows records the last indexing'
);

select finish();
rollback;
