-- Purpose: anchor the audit chain's head with every backup, so rows deleted from the end of the
-- chain (which verify_chain() cannot see: what is left still links up) are detected.
-- Affected: table audit.anchors (append-only); functions audit.record_anchor(),
-- audit.verify_against_anchor(bigint, text).
-- `rfl backup` calls record_anchor() before each backup and also stores the head in the backup's
-- annotations, outside the database (native_platform/backup.py). verify_against_anchor() checks
-- that the anchored head row is still there, unchanged; given no arguments it uses the newest
-- row of audit.anchors, given a head (id, hash) from a backup's annotation it uses that one.

create table audit.anchors (
    id bigint generated always as identity primary key,
    anchored_at timestamptz not null default pg_catalog.clock_timestamp(),
    chain_head_id bigint,
    chain_head_hash text,
    constraint anchors_head_check check ((chain_head_id is null) = (chain_head_hash is null)),
    constraint anchors_hash_check check (chain_head_hash ~ '^[0-9a-f]{64}$')
);

comment on table audit.anchors is
'The audit chain''s head (id, row_hash) recorded with each backup; null head: the chain was empty.';

revoke all on table audit.anchors from public, anon, authenticated, service_role;

create trigger anchors_append_only
before update or delete on audit.anchors
for each row execute function audit.forbid_change();

create trigger anchors_no_truncate
before truncate on audit.anchors
for each statement execute function audit.forbid_change();

create function audit.record_anchor()
returns audit.anchors
language plpgsql
set search_path = ''
as $$
declare
    anchor audit.anchors;
begin
    -- The lock audit.append() takes: no entry is half-written while the head is read.
    perform pg_catalog.pg_advisory_xact_lock(7346012552);
    insert into audit.anchors (chain_head_id, chain_head_hash)
    select head.id, head.row_hash
    from (select 1) as one
    left join lateral (
        select v.id, v.row_hash from audit.record_version as v order by v.id desc limit 1
    ) as head on true
    returning * into anchor;
    return anchor;
end;
$$;

comment on function audit.record_anchor() is
'Record the audit chain''s current head in audit.anchors and return that anchor.';

revoke all on function audit.record_anchor() from public;

create function audit.verify_against_anchor(
    anchor_head_id bigint default null, anchor_head_hash text default null
)
returns table (is_valid boolean, anchor_id bigint, chain_head_id bigint, reason text)
language plpgsql
stable
set search_path = ''
as $$
declare
    wanted_id bigint := anchor_head_id;
    wanted_hash text := anchor_head_hash;
    found_hash text;
begin
    select pg_catalog.max(v.id) into chain_head_id from audit.record_version as v;
    if wanted_id is null then
        select a.id, a.chain_head_id, a.chain_head_hash into anchor_id, wanted_id, wanted_hash
        from audit.anchors as a order by a.id desc limit 1;
    end if;
    is_valid := true;
    if wanted_id is null then
        -- No anchor yet, or the chain was empty when anchored: nothing can be missing.
        return next;
        return;
    end if;
    select v.row_hash into found_hash from audit.record_version as v where v.id = wanted_id;
    if not found then
        is_valid := false;
        reason := pg_catalog.format(
            'row %s, the chain head anchored by the last backup, is gone: rows were deleted'
            ' from the end of the chain (head now %s)', wanted_id, coalesce(chain_head_id::text, 'none')
        );
    elsif found_hash is distinct from wanted_hash then
        is_valid := false;
        reason := pg_catalog.format(
            'row %s differs from the anchored head: the chain was cut and rewritten', wanted_id
        );
    end if;
    return next;
end;
$$;

comment on function audit.verify_against_anchor(bigint, text) is
'Whether the anchored chain head (given, else the newest audit.anchors row) is still in the log.';

revoke all on function audit.verify_against_anchor(bigint, text) from public;
