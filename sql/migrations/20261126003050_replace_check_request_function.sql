-- Purpose: the pre-request hook charges the global bucket in a transaction of its own.
-- Affected: function app_private.check_request().
-- Same checks as before (inactive session → 401; global bucket per user or per client address
-- → 429 with Retry-After; service_role unlimited), but the token is taken through
-- rate_limit.enforce_autonomously: GET requests (READ ONLY transactions) are charged too, and a
-- request that fails afterwards keeps its charge.
-- Figures: rate_limit.limits rows 'request.authenticated' and 'request.anon'.

-- DEFINER: reads auth sessions and charges rate-limit buckets, neither reachable by API roles.
create or replace function app_private.check_request()
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
    claims jsonb := auth.jwt();
    request_role text := coalesce(claims ->> 'role', 'anon');
    session_id text := claims ->> 'session_id';
    bucket rate_limit.limits;
    subject text;
begin
    if request_role = 'service_role' then
        return;
    end if;
    if session_id is not null and (
        session_id !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
        or not auth.session_is_active(session_id::uuid)
    ) then
        raise sqlstate 'PGRST' using
            message = pg_catalog.json_build_object(
                'code', 'PGRST303',
                'message', 'JWT session is no longer active',
                'details', null,
                'hint', 'session_not_found'
            )::text,
            detail = pg_catalog.json_build_object(
                'status', 401,
                'status_text', 'Unauthorized',
                'headers', pg_catalog.json_build_object(
                    'WWW-Authenticate',
                    'Bearer error="invalid_token", error_description="session is no longer active"'
                )
            )::text;
    end if;
    if claims ->> 'sub' is not null and request_role = 'authenticated' then
        select l.* into bucket from rate_limit.limits as l where l.action = 'request.authenticated';
        subject := claims ->> 'sub';
    else
        select l.* into bucket from rate_limit.limits as l where l.action = 'request.anon';
        subject := coalesce(app_private.client_address()::text, 'unknown');
    end if;
    perform rate_limit.enforce_autonomously(
        bucket.action, subject, bucket.capacity, bucket.refill_per_second
    );
end;
$$;
