-- Purpose: the pre-request hook (PostgREST db-pre-request; our REST server calls it the same way).
-- Affected: function app_private.check_request().
-- Runs after the request settings, before the main statement, as the request's role:
-- 1. a token whose session_id names a session that is no longer active (signed out, revoked,
--    user banned) is refused with HTTP 401;
-- 2. a global token bucket per user (signed in) or per client address (anon) is charged; when
--    empty the request gets HTTP 429 with Retry-After. service_role is not limited.
-- Figures: rate_limit.limits rows 'request.authenticated' and 'request.anon'.
-- In read-only transactions (GET) the bucket is only checked, not charged (see try_take).

-- DEFINER: reads auth sessions and writes rate-limit buckets, neither reachable by API roles.
create function app_private.check_request()
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
    perform rate_limit.enforce(bucket.action, subject, bucket.capacity, bucket.refill_per_second);
end;
$$;

comment on function app_private.check_request() is
'db-pre-request hook: 401 for inactive sessions, 429 (Retry-After) past the global rate limit.';

grant execute on function app_private.check_request() to anon, authenticated, service_role;
