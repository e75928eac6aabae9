-- Purpose: the client's network address as the API servers forward it, for rate limits and audit.
-- Affected: function app_private.client_address(); usage on schema app_private for the API roles
-- (policies run as the caller and call the app_private helpers; each function still needs its own
-- EXECUTE grant, and the schema is never exposed over the API).
-- PostgREST and our servers put the request headers (lowercased names) in request.headers; the
-- gateway appends the peer address to x-forwarded-for, whose first entry is the original client.

grant usage on schema app_private to anon, authenticated, service_role;

create function app_private.client_address()
returns inet
language plpgsql
stable
set search_path = ''
as $$
declare
    headers text := nullif(pg_catalog.current_setting('request.headers', true), '');
    first_hop text;
begin
    if headers is null then
        return null;
    end if;
    first_hop := pg_catalog.btrim(
        pg_catalog.split_part(headers::jsonb ->> 'x-forwarded-for', ',', 1)
    );
    return nullif(first_hop, '')::inet;
exception
    when invalid_text_representation then
        return null;
end;
$$;

comment on function app_private.client_address() is
'First x-forwarded-for address of the current request (request.headers), or null.';

grant execute on function app_private.client_address() to anon, authenticated, service_role;
