-- Purpose: take the per-request rate-limit charge off the REST hot path (issue 19, ADR 0022).
-- A REST node that enforces the request.* limits itself (native_platform/ratelimit.py, charged
-- in batches through rate_limit.charge_batch) says so with the transaction-local setting
-- `rate_limit.charged_by_node` = 'on'; the hook then skips its dblink charge. Every other caller
-- (the edge functions' sessions, a REST server without the node limiter) is charged here as
-- before, exactly. The session check is unchanged.
-- Affected: function app_private.check_request().

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
    if pg_catalog.current_setting('rate_limit.charged_by_node', true) = 'on' then
        return;
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
