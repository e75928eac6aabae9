-- Purpose: `storage.operation()`, the operation of the storage request in progress (e.g.
-- 'storage.object.upload', 'storage.object.list_v2'), as Supabase Storage provides it, so a
-- policy can tell a listing from a download or an upload from a copy.
-- Affected: function storage.operation().
-- The storage service sets `storage.operation` (transaction-local) in every transaction it
-- opens for a request; outside the service (or for a request without one) it returns null.

create function storage.operation()
returns text
language sql
stable
set search_path = ''
as $$
    select nullif(pg_catalog.current_setting('storage.operation', true), '')
$$;

comment on function storage.operation() is
'The storage API operation of the current request (upstream''s names, e.g. storage.object.upload);'
' null outside a storage request.';

grant execute on function storage.operation() to anon, authenticated, service_role;
