-- Purpose: broadcasts the database sends (realtime.broadcast_changes: `insert`, `update`,
-- `delete`, e.g. the public roll announcements on `campaign:<id>`) cannot be forged by clients.
-- Their event names are reserved: the realtime server refuses them from clients (reply
-- `{"status": "error"}`, REST 403) and reads the list from realtime.server_events(); a
-- restrictive policy refuses them to API roles inserting into realtime.messages directly.
-- Names compare case-insensitively (supabase-js matches broadcast listeners that way).
-- Affected: functions realtime.server_events(), realtime.is_server_event(text); policy on
-- realtime.messages.

create function realtime.server_events()
returns text[]
language sql
immutable
set search_path = ''
as $$
    select array['insert', 'update', 'delete']::text[]
$$;

comment on function realtime.server_events() is
'Broadcast event names only the database sends (lower case; reserved case-insensitively).';

grant execute on function realtime.server_events() to anon, authenticated, service_role;

create function realtime.is_server_event(event text)
returns boolean
language sql
immutable
set search_path = ''
as $$
    select coalesce(pg_catalog.lower(event) = any(realtime.server_events()), false)
$$;

comment on function realtime.is_server_event(text) is
'True when event is reserved for broadcasts from the database (null: false).';

grant execute on function realtime.is_server_event(text) to anon, authenticated, service_role;

create policy "Only the database sends server events"
on realtime.messages as restrictive for insert to anon, authenticated
with check (not realtime.is_server_event(event));
