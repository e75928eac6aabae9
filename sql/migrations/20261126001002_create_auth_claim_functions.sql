-- Purpose: read the verified request's JWT claims like Supabase's auth.uid()/role()/jwt()/email().
-- Affected: functions auth.jwt(), auth.uid(), auth.role(), auth.email().
-- They run as the caller (no DEFINER needed): they only read the transaction-local settings that
-- the API servers set from a verified token. A missing or empty setting yields null.

create function auth.jwt()
returns jsonb
language sql
stable
set search_path = ''
as $$
    select nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb
$$;

comment on function auth.jwt() is
'The current request''s JWT claims (request.jwt.claims), or null.';

grant execute on function auth.jwt() to anon, authenticated, service_role;

create function auth.uid()
returns uuid
language sql
stable
set search_path = ''
as $$
    select nullif(
        nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub', ''
    )::uuid
$$;

comment on function auth.uid() is
'The current user''s id (claim sub), or null for anon/service keys.';

grant execute on function auth.uid() to anon, authenticated, service_role;

create function auth.role()
returns text
language sql
stable
set search_path = ''
as $$
    select nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb ->> 'role'
$$;

comment on function auth.role() is
'The current request''s role claim (anon, authenticated, service_role).';

grant execute on function auth.role() to anon, authenticated, service_role;

create function auth.email()
returns text
language sql
stable
set search_path = ''
as $$
    select nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb ->> 'email'
$$;

comment on function auth.email() is 'The current user''s email claim, or null.';

grant execute on function auth.email() to anon, authenticated, service_role;
