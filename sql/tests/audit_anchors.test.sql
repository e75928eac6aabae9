-- Audit-chain anchors: rows deleted from the end of the chain go unseen by verify_chain() but
-- are caught against the last anchor; anchors are append-only and out of the API roles' reach.

begin;
set local search_path = public, extensions, tests;
select plan(11);

select row_eq(
    $$ select is_valid, anchor_id, reason from audit.verify_against_anchor() $$,
    row(true, null::bigint, null::text),
    'without any anchor nothing can be missing'
);

-- Arrange: a few audited rows, then an anchor at the head.
insert into auth.users (id, email)
select
    md5(u)::uuid as id,
    u || '@pgtap.test' as email
from unnest(array['a', 'b', 'c']) as u;
create temporary table anchor on commit drop as
select
    a.id,
    a.chain_head_id,
    a.chain_head_hash
from audit.record_anchor() as a;

select is(
    (select chain_head_id from anchor),
    (select max(id) from audit.record_version),
    'the anchor records the chain head id'
);
select is(
    (select chain_head_hash from anchor),
    (
        select row_hash from audit.record_version
        order by id desc limit 1
    ),
    'the anchor records the chain head hash'
);
select row_eq(
    $$ select is_valid, reason from audit.verify_against_anchor() $$,
    row(true, null::text),
    'an intact chain verifies against its anchor'
);

insert into auth.users (id, email) values (md5('d')::uuid, 'd@pgtap.test');
select ok(
    (select is_valid from audit.verify_against_anchor()),
    'rows appended after the anchor keep it valid'
);

-- Tamper as an attacker with superuser rights would: triggers off, the chain's tail deleted.
set local session_replication_role = replica;
delete from audit.record_version
where id >= (select chain_head_id from anchor);
set local session_replication_role = origin;

select ok(
    (select is_valid from audit.verify_chain()),
    'verify_chain() alone cannot see rows deleted from the end'
);
select row_eq(
    $$ select is_valid, chain_head_id < (select chain_head_id from anchor)
       from audit.verify_against_anchor() $$,
    row(false, true),
    'verify_against_anchor() detects the deleted tail'
);
select matches(
    (select reason from audit.verify_against_anchor()),
    '^row \d+, the chain head anchored by the last backup, is gone',
    'the reason names the missing anchored row'
);
select ok(
    not (
        select is_valid from audit.verify_against_anchor(
            (select chain_head_id from anchor), (select chain_head_hash from anchor)
        )
    ),
    'an anchor given from a backup annotation is checked the same way'
);

select throws_ok(
    $$ delete from audit.anchors $$,
    '42501', 'the audit log is append-only',
    'anchors cannot be deleted'
);

select tests.act_as('a');
select throws_ok(
    $$ select * from audit.verify_against_anchor() $$,
    '42501', null,
    'API roles cannot use the anchors'
);
reset role;

select finish();
rollback;
