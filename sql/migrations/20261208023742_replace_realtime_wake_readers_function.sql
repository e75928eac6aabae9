-- Purpose: realtime nodes stream their slot over the replication protocol (ADR 0036): the
-- walsender sends each transaction as its commit is flushed, so no node waits for a wake-up any
-- more. The statement trigger stops notifying `realtime_wal`: every NOTIFY takes the database's
-- notify-queue lock at commit, serializing the commits of all writers to published tables.
-- Traced statements still write their traceparent after their rows, as before.
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
    if traceparent is not null then
        perform pg_catalog.pg_logical_emit_message(true, 'rfl.traceparent', traceparent);
    end if;
    return null;
end;
$$;

comment on function realtime.wake_readers() is
'Statement trigger: for a traced statement, writes its traceparent to the WAL after its rows '
'(the realtime WAL reader gives it to them); DEFINER: only the owner may emit logical messages.';
