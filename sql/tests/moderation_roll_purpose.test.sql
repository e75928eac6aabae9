-- hide_roll_purpose: moderators and admins hide a roll's purpose (audited), nobody else; the
-- roll stays append-only otherwise.

begin;
set local search_path = public, extensions, tests;
select plan(12);

-- Arrange (as the superuser). Every row's id is md5(<label>)::uuid, so a label names it.
select set_config('app.roll_source', 'dice-service', true);
insert into auth.users (id, email)
select
    md5(u)::uuid as id,
    u || '@pgtap.test' as email
from unnest(array['gm', 'player', 'other', 'moderator', 'admin']) as u;
insert into app_private.user_roles (user_id, role) values
(md5('moderator')::uuid, 'moderator'),
(md5('admin')::uuid, 'admin');
insert into public.campaigns (id, owner_id, name, target_language, visibility) values
(md5('c1')::uuid, md5('gm')::uuid, 'Campaign', 'es', 'public');
insert into public.campaign_members (campaign_id, user_id, role) values
(md5('c1')::uuid, md5('player')::uuid, 'player');
insert into public.dice_rolls (
    id, campaign_id, roller_id, expression, total, purpose, server_seed_hash, client_seed, nonce
) values
(
    md5('r1')::uuid, md5('c1')::uuid, md5('player')::uuid, '1d20', 11, 'rude words',
    repeat('c', 64), 's', 1
),
(
    md5('r2')::uuid, md5('c1')::uuid, md5('player')::uuid, '1d6', 3, 'more rude words',
    repeat('c', 64), 's', 2
);

select tests.act_as('anon');
select throws_ok(
    $$ select public.hide_roll_purpose(md5('r1')::uuid) $$, '42501', null, 'anon cannot hide'
);
select tests.act_as('player');
select throws_ok(
    $$ select public.hide_roll_purpose(md5('r1')::uuid) $$,
    '42501', 'campaign.moderate permission required', 'the roller cannot hide'
);
select tests.act_as('other');
select throws_ok(
    $$ select public.hide_roll_purpose(md5('r1')::uuid) $$,
    '42501', 'campaign.moderate permission required', 'another player cannot hide'
);
select tests.act_as('gm');
select throws_ok(
    $$ select public.hide_roll_purpose(md5('r1')::uuid) $$,
    '42501', 'campaign.moderate permission required', 'the gm cannot hide'
);
select tests.act_as('moderator');
select ok(public.hide_roll_purpose(md5('r1')::uuid), 'a moderator hides a purpose');
select ok(not public.hide_roll_purpose(md5('r1')::uuid), 'hiding it again says false');
select tests.act_as('anon');
select is(
    (
        select purpose from public.dice_rolls
        where id = md5('r1')::uuid
    ),
    '[hidden by a moderator]',
    'everyone reads the marker instead of the text'
);
select tests.act_as('admin');
select ok(public.hide_roll_purpose(md5('r2')::uuid), 'an admin hides a purpose');
reset role;
select row_eq(
    $$ select actor_id, op, record ->> 'purpose' from audit.record_version
       where table_name = 'hidden_roll_purposes' order by id limit 1 $$,
    row(md5('moderator')::uuid, 'INSERT'::text, 'rude words'::text),
    'the hiding is audited with the moderator and the original text'
);
select is(
    (
        select total from public.dice_rolls
        where id = md5('r1')::uuid
    ), 11, 'the roll stays'
);
select throws_ok(
    $$ update public.dice_rolls set total = 20 where id = md5('r1')::uuid $$,
    '42501', 'dice rolls are append-only', 'other changes stay refused'
);
select throws_ok(
    $$ update public.dice_rolls set purpose = 'x' where id = md5('r2')::uuid $$,
    '42501', 'dice rolls are append-only', 'a purpose change outside the function is refused'
);

select finish();
rollback;
