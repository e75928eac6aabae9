-- Purpose: postgres_changes deliveries join the writer's trace (issue 14). wal2json carries no
-- statement text, so the wake-up statement trigger, which already runs after every write to a
-- published table, also writes the statement's traceparent (its sqlcommenter comment, see
-- app_private.current_traceparent()) into the WAL as a transactional logical message with the
-- prefix `rfl.traceparent`. It follows the statement's rows in the transaction's change stream;
-- the realtime WAL reader gives it to those rows (native_platform/realtime/changes.py).
-- Untraced statements write nothing more than before.
-- Affected: function realtime.wake_readers() (same signature, privileges and triggers).

create or replace function realtime.wake_readers()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
    traceparent text := app_private.current_traceparent();
begin
    perform pg_catalog.pg_notify('realtime_wal', '');
    if traceparent is not null then
        perform pg_catalog.pg_logical_emit_message(true, 'rfl.traceparent', traceparent);
    end if;
    return null;
end;
$$;

comment on function realtime.wake_readers() is
'Statement trigger: tells realtime nodes that changes await and, for a traced statement, '
'writes its traceparent to the WAL after its rows; DEFINER: any writing role notifies, and '
'only the owner may emit logical messages.';
