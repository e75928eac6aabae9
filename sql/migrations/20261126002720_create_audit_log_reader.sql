-- Purpose: let holders of the audit.read permission (admins, moderators) read the audit log.
-- Affected: functions app_private.read_audit_log(text, integer), public.audit_log(text, integer).
-- The log itself stays unreachable: API roles have no privilege on audit.record_version.

-- DEFINER: API roles have no privilege on the audit schema; the permission check is inside.
create function app_private.read_audit_log(only_table text, max_rows integer)
returns table (
    id bigint,
    recorded_at timestamptz,
    transaction_id bigint,
    actor_id uuid,
    actor_role text,
    client_address inet,
    op text,
    table_schema text,
    table_name text,
    record_pk jsonb,
    old_record jsonb,
    record jsonb,
    row_hash text
)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
    if not app_private.has_permission('audit.read') then
        raise sqlstate '42501' using message = 'audit.read permission required';
    end if;
    if max_rows is null or max_rows not between 1 and 1000 then
        raise sqlstate '22023' using message = 'max_rows must be 1..1000';
    end if;
    return query
    select
        v.id, v.recorded_at, v.transaction_id, v.actor_id, v.actor_role, v.client_address, v.op,
        v.table_schema::text, v.table_name::text, v.record_pk, v.old_record, v.record, v.row_hash
    from audit.record_version as v
    where read_audit_log.only_table is null or v.table_name = read_audit_log.only_table
    order by v.id desc
    limit max_rows;
end;
$$;

comment on function app_private.read_audit_log(text, integer) is
'Newest audit entries (optionally of one table), for holders of audit.read.';

grant execute on function app_private.read_audit_log(text, integer) to authenticated;

create function public.audit_log(only_table text default null, max_rows integer default 100)
returns table (
    id bigint,
    recorded_at timestamptz,
    transaction_id bigint,
    actor_id uuid,
    actor_role text,
    client_address inet,
    op text,
    table_schema text,
    table_name text,
    record_pk jsonb,
    old_record jsonb,
    record jsonb,
    row_hash text
)
language sql
stable
set search_path = ''
as $$
    select * from app_private.read_audit_log(audit_log.only_table, audit_log.max_rows)
$$;

comment on function public.audit_log(text, integer) is
'Newest audit log entries, secrets redacted (admins and moderators: audit.read). Optionally '
'only those of one table; at most max_rows (1-1000).';

grant execute on function public.audit_log(text, integer) to authenticated;
