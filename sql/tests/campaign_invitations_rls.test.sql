-- RLS of public.campaign_invitations, create_campaign_invitation() and join_campaign().

begin;
set local search_path = public, extensions, tests;
select plan(24);

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

insert into public.campaign_invitations (
    id, campaign_id, created_by, code_hash, role, max_uses, uses, expires_at
) values
(
    md5('inv1')::uuid, md5('c1')::uuid, md5('gm')::uuid,
    encode(digest('code-one', 'sha256'), 'hex'), 'player', 5, 0, now() + interval '1 day'
),
(
    md5('inv2')::uuid, md5('c2')::uuid, md5('gm2')::uuid,
    encode(digest('code-two', 'sha256'), 'hex'), 'observer', 5, 0, now() + interval '1 day'
),
(
    md5('inv_used')::uuid, md5('c1')::uuid, md5('gm')::uuid,
    encode(digest('code-used', 'sha256'), 'hex'), 'player', 1, 1, now() + interval '1 day'
);

-- ============================================================================ structure
select policies_are(
    'public', 'campaign_invitations',
    array[
        'Game masters see their campaigns'' invitations',
        'Game masters invite to live campaigns',
        'Game masters revoke their campaigns'' invitations',
        'Game masters delete their campaigns'' invitations'
    ],
    'campaign_invitations has exactly its policies'
);
select ok(
    (
        select c.relrowsecurity from pg_class as c
        where c.oid = 'public.campaign_invitations'::regclass
    ),
    'RLS is enabled on campaign_invitations'
);
select is_definer('app_private', 'redeem_invitation', array['text'], 'redeeming runs as definer');
select isnt_definer('public', 'join_campaign', array['text'], 'the exposed RPC is invoker');

-- ============================================================================ anon
select tests.act_as('anon');
select throws_ok(
    $$ select * from public.campaign_invitations $$, '42501', null, 'anon cannot read invitations'
);
select throws_ok(
    $$ select public.join_campaign('code-two') $$, '42501', null, 'anon cannot join campaigns'
);

-- ============================================================================ player
select tests.act_as('player');
select is(
    tests.visible('campaign_invitations', array['inv1', 'inv2']), '{}'::text[],
    'a player sees no invitations'
);
select throws_ok(
    $$ select public.create_campaign_invitation(md5('c1')::uuid) $$,
    '42501', null, 'a player cannot create invitations'
);
select is(
    public.join_campaign('code-two'), md5('c2')::uuid, 'a valid code joins its campaign'
);
select is(
    app_private.campaign_role(md5('c2')::uuid), 'observer',
    'the new member gets the invitation''s role'
);
select throws_ok(
    $$ select public.join_campaign('no-such-code') $$, 'PT404', null, 'an unknown code is refused'
);
select throws_ok(
    $$ select public.join_campaign('code-used') $$, 'PT404', null, 'a used-up code is refused'
);

-- ============================================================================ another player
select tests.act_as('other');
select is(
    public.join_campaign('code-one'), md5('c1')::uuid, 'a player of another campaign joins too'
);
select is(
    public.join_campaign('code-one'), md5('c1')::uuid, 'joining again changes nothing'
);
select is(
    tests.visible('campaign_invitations', array['inv1', 'inv2']), '{}'::text[],
    'joining does not reveal invitations'
);

-- ============================================================================ game master
select tests.act_as('gm');
select is(
    tests.visible('campaign_invitations', array['inv1', 'inv2']), array['inv1'],
    'the gm sees their campaign''s invitations'
);
select is(
    (
        select i.uses from public.campaign_invitations as i
        where i.id = md5('inv1')::uuid
    ), 1,
    'a join uses the code once, a repeated join not at all'
);
select matches(
    public.create_campaign_invitation(md5('c1')::uuid, 3, 3600), '^[A-Za-z0-9_-]{32}$',
    'the gm gets a fresh 192-bit code'
);
select throws_ok(
    $$ select public.create_campaign_invitation(md5('c2')::uuid) $$,
    '42501', null, 'the gm cannot invite to another campaign'
);
select throws_ok(
    $$ select public.create_campaign_invitation(md5('c1')::uuid, 0) $$,
    '23514', null, 'max_uses must be positive'
);
select is(
    tests.affected($$
        update public.campaign_invitations set revoked_at = now() where id = md5('inv1')::uuid
    $$),
    1, 'the gm revokes an invitation'
);
select is(
    tests.affected($$ delete from public.campaign_invitations where id = md5('inv2')::uuid $$),
    0, 'the gm cannot delete another campaign''s invitation'
);
update public.campaign_invitations set revoked_at = now()
where id = md5('inv1')::uuid;

-- ============================================================================ admin
select tests.act_as('admin');
select is(
    tests.visible('campaign_invitations', array['inv1', 'inv2']), '{}'::text[],
    'an admin does not see invitation codes'
);
select throws_ok(
    $$ select public.join_campaign('code-one') $$, 'PT404', null, 'a revoked code is refused'
);

select finish();
rollback;
