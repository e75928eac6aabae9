-- Purpose: the realtime schema and realtime.topic(), which channel policies read.
-- Affected: schema realtime; function realtime.topic().

-- Realtime internals: channel messages, the node backplane, presence and visibility checks.
create schema if not exists realtime;
grant usage on schema realtime to anon, authenticated, service_role;

create function realtime.topic()
returns text
language sql
stable
set search_path = ''
as $$
    select nullif(pg_catalog.current_setting('realtime.topic', true), '');
$$;

comment on function realtime.topic() is
'The channel topic being authorized (set by the realtime server), for realtime.messages policies.';

grant execute on function realtime.topic() to anon, authenticated, service_role;
