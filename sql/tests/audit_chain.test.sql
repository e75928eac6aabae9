-- The audit log: what it records, that clients cannot touch it, and its tamper-evident chain.

begin;
set local search_path = public, extensions, tests;
select plan(16);

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

-- ============================================================================ recording
select tests.act_as('gm');
update public.campaigns set name = 'Renamed by the gm'
where id = md5('c1')::uuid;
reset role;
select row_eq(
    $$ select actor_id, actor_role, op, record_pk, old_record ->> 'name', record ->> 'name'
       from audit.record_version
       where table_name = 'campaigns' and op = 'UPDATE'
       order by id desc limit 1 $$,
    row(
        md5('gm')::uuid, 'authenticated'::text, 'UPDATE'::text,
        jsonb_build_object('id', md5('c1')::uuid), 'Private campaign'::text,
        'Renamed by the gm'::text
    ),
    'an update records actor, role, operation, key, old and new row'
);
select set_config('request.headers', '{"x-forwarded-for": "203.0.113.7, 10.0.0.1"}', true);
insert into auth.users (id, email, encrypted_password)
values (md5('secretive')::uuid, 'secretive@pgtap.test', crypt('hunter2', gen_salt('bf', 4)));
select row_eq(
    $$ select record ->> 'encrypted_password', client_address from audit.record_version
       where table_name = 'users' and record_pk = jsonb_build_object('id', md5('secretive')::uuid) $$,
    row('[redacted]'::text, '203.0.113.7'::inet),
    'password hashes are redacted and the client address is kept'
);
select is(
    (
        select v.transaction_id from audit.record_version as v
        order by v.id desc limit 1
    ),
    txid_current(),
    'entries carry the transaction id'
);
delete from public.campaign_members
where user_id = md5('observer')::uuid;
select is(
    (
        select v.old_record ->> 'role' from audit.record_version as v
        where v.table_name = 'campaign_members' and v.op = 'DELETE'
        order by v.id desc limit 1
    ),
    'observer',
    'deletes keep the deleted row'
);

-- ============================================================================ append-only
select tests.act_as('player');
select throws_ok(
    $$ select * from public.audit_log() $$, '42501', null, 'players cannot read the audit log'
);
reset role;
select throws_ok(
    $$ update audit.record_version set actor_role = 'nobody' $$,
    '42501', null, 'the owner cannot update audit rows'
);
select throws_ok(
    $$ delete from audit.record_version $$, '42501', null, 'the owner cannot delete audit rows'
);
select throws_ok(
    $$ truncate audit.record_version $$, '42501', null, 'the owner cannot truncate the log'
);
select tests.act_as('admin');
select throws_ok(
    $$ select * from audit.record_version $$, '42501', null, 'API roles cannot read the log'
);
select is(
    (select a.op from public.audit_log('campaigns', 1) as a),
    'UPDATE',
    'an admin (audit.read) reads the log through public.audit_log'
);
select throws_ok(
    $$ delete from audit.record_version $$, '42501', null, 'API roles cannot delete from the log'
);
reset role;

-- ============================================================================ tracking setup
select lives_ok(
    $$ select audit.enable_tracking('public.campaigns'::regclass) $$,
    'enable_tracking is idempotent'
);
select is(
    (
        select count(*)::integer from pg_trigger as t
        where t.tgrelid = 'public.campaigns'::regclass and t.tgname like 'audit\_%'
    ),
    2,
    'tracking twice leaves one row trigger and one truncate trigger'
);
create table pg_temp.no_key (note text);
select throws_ok(
    $$ select audit.enable_tracking('pg_temp.no_key'::regclass) $$,
    '22023', null, 'tables without a primary key are rejected'
);

-- ============================================================================ chain
select row_eq(
    $$ select is_valid, first_broken_id from audit.verify_chain() $$,
    row(true, null::bigint),
    'the untouched chain verifies'
);
-- Forge a row the way only a superuser bypassing every trigger could.
set local session_replication_role = replica;
update audit.record_version set record = jsonb_set(record, '{name}', '"Forged"')
where id = (
    select v.id from audit.record_version as v
    where v.table_name = 'campaigns' and v.op = 'UPDATE'
    order by v.id desc limit 1
);
set local session_replication_role = origin;
select row_eq(
    $$ select is_valid, first_broken_id, reason from audit.verify_chain() $$,
    row(
        false,
        (
            select v.id from audit.record_version as v
            where v.table_name = 'campaigns' and v.op = 'UPDATE'
            order by v.id desc limit 1
        ),
        'row_hash does not match the row'::text
    ),
    'a forged row is detected and named'
);

select finish();
rollback;
