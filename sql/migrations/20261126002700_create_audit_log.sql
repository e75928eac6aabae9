-- Purpose: an append-only, hash-chained audit log and supa_audit-style tracking functions.
-- Affected: table audit.record_version; functions audit.redact(jsonb), audit.row_digest(...),
-- audit.insert_update_delete_trigger(), audit.truncate_trigger(), audit.forbid_change(),
-- audit.enable_tracking(regclass, text[]), audit.disable_tracking(regclass), audit.verify_chain().
--
-- Every appended row stores prev_id/prev_hash of the row before it and
-- row_hash = sha256 over its own fields and prev_hash. Appends are serialised by a
-- transaction-scoped advisory lock, so the chain is a single line (prev_id is unique: a fork
-- cannot even be stored). verify_chain() recomputes it and names the first row that does not fit
-- (edited, inserted out of line, or following a deleted row). Update, delete and truncate of the
-- log are refused by triggers for every role, the owner included; API roles have no privilege on
-- it at all. Secrets (password, token and invitation code hashes) are redacted before hashing.
-- The actor is the request's JWT (sub, role); without one (migrations, seeds, maintenance) the
-- role is the session user.

create table audit.record_version (
    id bigint primary key,
    prev_id bigint unique,
    recorded_at timestamptz not null default pg_catalog.clock_timestamp(),
    transaction_id bigint not null default pg_catalog.txid_current(),
    actor_id uuid,
    actor_role text not null,
    client_address inet,
    op text not null,
    table_schema name not null,
    table_name name not null,
    record_pk jsonb,
    old_record jsonb,
    record jsonb,
    prev_hash text,
    row_hash text not null,
    constraint record_version_op_check check (op in ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')),
    constraint record_version_records_check check (
        (op = 'INSERT' and record is not null and old_record is null)
        or (op = 'UPDATE' and record is not null and old_record is not null)
        or (op = 'DELETE' and record is null and old_record is not null)
        or (op = 'TRUNCATE' and record is null and old_record is null)
    ),
    constraint record_version_pk_check check ((op = 'TRUNCATE') = (record_pk is null)),
    constraint record_version_chain_check check ((prev_id is null) = (prev_hash is null)),
    constraint record_version_hash_check check (row_hash ~ '^[0-9a-f]{64}$')
);

comment on table audit.record_version is
'Append-only, hash-chained history of changes to tracked tables.';

revoke all on table audit.record_version from public, anon, authenticated, service_role;

create index record_version_recorded_at_idx on audit.record_version using brin (recorded_at);
create index record_version_table_pk_idx on audit.record_version (
    table_schema, table_name, record_pk
);

create function audit.redact(row_data jsonb)
returns jsonb
language sql
immutable
strict
set search_path = ''
as $$
    select coalesce(
        pg_catalog.jsonb_object_agg(
            e.key,
            case
                when e.key in (
                    'encrypted_password', 'password', 'code_hash', 'token_hash', 'token',
                    'refresh_token', 'recovery_token', 'confirmation_token', 'secret'
                ) and e.value <> 'null'::jsonb then '"[redacted]"'::jsonb
                else e.value
            end
        ),
        '{}'::jsonb
    )
    from pg_catalog.jsonb_each(row_data) as e
$$;

comment on function audit.redact(jsonb) is
'The row with secret columns (password, token and code hashes) replaced by "[redacted]".';

create function audit.row_digest(entry audit.record_version)
returns text
language sql
immutable
set search_path = ''
as $$
    select pg_catalog.encode(extensions.digest(pg_catalog.jsonb_build_array(
        (entry).id, (entry).prev_id, extract(epoch from (entry).recorded_at),
        (entry).transaction_id, (entry).actor_id, (entry).actor_role,
        (entry).client_address, (entry).op, (entry).table_schema, (entry).table_name,
        (entry).record_pk, (entry).old_record, (entry).record, (entry).prev_hash
    )::text, 'sha256'), 'hex')
$$;

comment on function audit.row_digest(audit.record_version) is
'The SHA-256 (hex) of an audit row''s fields, prev_hash included; row_hash must equal it.';

create function audit.append(
    op text, table_schema name, table_name name, record_pk jsonb, old_record jsonb, record jsonb
)
returns void
language plpgsql
set search_path = ''
as $$
declare
    last_entry record;
    entry audit.record_version;
begin
    perform pg_catalog.pg_advisory_xact_lock(7346012552);
    select v.id, v.row_hash into last_entry
    from audit.record_version as v order by v.id desc limit 1;
    entry.id := coalesce(last_entry.id, 0) + 1;
    entry.prev_id := last_entry.id;
    entry.prev_hash := last_entry.row_hash;
    entry.recorded_at := pg_catalog.date_trunc('milliseconds', pg_catalog.clock_timestamp());
    entry.transaction_id := pg_catalog.txid_current();
    entry.actor_id := auth.uid();
    entry.actor_role := coalesce(auth.role(), session_user::text);
    entry.client_address := app_private.client_address();
    entry.op := append.op;
    entry.table_schema := append.table_schema;
    entry.table_name := append.table_name;
    entry.record_pk := append.record_pk;
    entry.old_record := audit.redact(append.old_record);
    entry.record := audit.redact(append.record);
    entry.row_hash := audit.row_digest(entry);
    insert into audit.record_version select entry.*;
end;
$$;

comment on function audit.append(text, name, name, jsonb, jsonb, jsonb) is
'Append one entry to the chained audit log (serialised by an advisory lock).';

-- DEFINER: fires for API roles, which may neither use schema audit nor write its log.
create function audit.insert_update_delete_trigger()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
    row_data jsonb := pg_catalog.to_jsonb(coalesce(new, old));
    pk jsonb := '{}';
    column_name text;
begin
    foreach column_name in array tg_argv loop
        pk := pk || pg_catalog.jsonb_build_object(column_name, row_data -> column_name);
    end loop;
    perform audit.append(
        tg_op, tg_table_schema, tg_table_name, pk,
        case when tg_op in ('UPDATE', 'DELETE') then pg_catalog.to_jsonb(old) end,
        case when tg_op in ('INSERT', 'UPDATE') then pg_catalog.to_jsonb(new) end
    );
    return null;
end;
$$;

comment on function audit.insert_update_delete_trigger() is
'Row trigger: log the change; arguments are the primary key columns.';

-- DEFINER: fires for API roles, which may neither use schema audit nor write its log.
create function audit.truncate_trigger()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    perform audit.append(tg_op, tg_table_schema, tg_table_name, null, null, null);
    return null;
end;
$$;

comment on function audit.truncate_trigger() is 'Statement trigger: log a truncate.';

create function audit.forbid_change()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    raise sqlstate '42501' using message = 'the audit log is append-only';
end;
$$;

comment on function audit.forbid_change() is 'Trigger: refuse any change to the audit log.';

create trigger record_version_append_only
before update or delete on audit.record_version
for each row execute function audit.forbid_change();

create trigger record_version_no_truncate
before truncate on audit.record_version
for each statement execute function audit.forbid_change();

create function audit.enable_tracking(
    target regclass, operations text[] default '{INSERT,UPDATE,DELETE,TRUNCATE}'
)
returns void
language plpgsql
set search_path = ''
as $$
declare
    pk_columns text;
    row_ops text;
begin
    select pg_catalog.string_agg(pg_catalog.quote_literal(a.attname), ', ' order by k.ord)
    into pk_columns
    from pg_catalog.pg_index as i
    cross join lateral pg_catalog.unnest(i.indkey) with ordinality as k (attnum, ord)
    inner join pg_catalog.pg_attribute as a on a.attrelid = i.indrelid and a.attnum = k.attnum
    where i.indrelid = target and i.indisprimary;
    if pk_columns is null then
        raise sqlstate '22023' using message = pg_catalog.format(
            'audit.enable_tracking: %s has no primary key', target
        );
    end if;
    if operations is null or cardinality(operations) = 0 or not operations
        <@ array['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'] then
        raise sqlstate '22023' using message = 'operations: a subset of INSERT UPDATE DELETE TRUNCATE';
    end if;
    select pg_catalog.string_agg(o, ' or ') into row_ops
    from pg_catalog.unnest(operations) as o where o <> 'TRUNCATE';
    execute pg_catalog.format('drop trigger if exists audit_i_u_d on %s', target);
    execute pg_catalog.format('drop trigger if exists audit_t on %s', target);
    if row_ops is not null then
        execute pg_catalog.format(
            'create trigger audit_i_u_d after %s on %s for each row'
            ' execute function audit.insert_update_delete_trigger(%s)',
            row_ops, target, pk_columns
        );
    end if;
    if 'TRUNCATE' = any(operations) then
        execute pg_catalog.format(
            'create trigger audit_t after truncate on %s for each statement'
            ' execute function audit.truncate_trigger()',
            target
        );
    end if;
end;
$$;

comment on function audit.enable_tracking(regclass, text[]) is
'Start (or redefine) audit tracking of a table for the given operations; needs a primary key.';

create function audit.disable_tracking(target regclass)
returns void
language plpgsql
set search_path = ''
as $$
begin
    execute pg_catalog.format('drop trigger if exists audit_i_u_d on %s', target);
    execute pg_catalog.format('drop trigger if exists audit_t on %s', target);
end;
$$;

comment on function audit.disable_tracking(regclass) is 'Stop audit tracking of a table.';

create function audit.verify_chain()
returns table (is_valid boolean, rows_checked bigint, first_broken_id bigint, reason text)
language plpgsql
stable
set search_path = ''
as $$
declare
    entry audit.record_version;
    prev_entry_id bigint;
    prev_entry_hash text;
begin
    rows_checked := 0;
    for entry in select v.* from audit.record_version as v order by v.id loop
        reason := case
            when entry.prev_id is distinct from prev_entry_id then 'prev_id does not follow the chain'
            when entry.prev_hash is distinct from prev_entry_hash then 'prev_hash does not match'
            when entry.row_hash <> audit.row_digest(entry) then 'row_hash does not match the row'
        end;
        if reason is not null then
            is_valid := false;
            first_broken_id := entry.id;
            return next;
            return;
        end if;
        rows_checked := rows_checked + 1;
        prev_entry_id := entry.id;
        prev_entry_hash := entry.row_hash;
    end loop;
    is_valid := true;
    return next;
end;
$$;

comment on function audit.verify_chain() is
'Recompute the hash chain; name the first row that breaks it (null when intact).';
