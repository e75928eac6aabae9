-- Purpose: a 429 names the limit that refused it, so the gateway counts rejections by limit
-- (rfl_rate_limit_rejections_total{limit}, docs/observability.md). The name was already in the
-- message ("Too many requests: <action>"); it is now also the X-RateLimit-Name header, which
-- REST, auth and the functions pass through with Retry-After.
-- Affected: functions rate_limit.refuse(text, double precision) and
-- auth.raise_rate_limited(double precision) (same answers, one more header).

create or replace function rate_limit.refuse(action text, wait double precision)
returns void
language plpgsql
set search_path = ''
as $$
declare
    retry_after text := pg_catalog.ceil(greatest(wait, 0.001))::integer::text;
begin
    raise sqlstate 'PGRST' using
        message = pg_catalog.json_build_object(
            'code', 'rate_limited',
            'message', 'Too many requests: ' || action,
            'details', 'Retry after ' || retry_after || ' s',
            'hint', null
        )::text,
        detail = pg_catalog.json_build_object(
            'status', 429,
            'status_text', 'Too Many Requests',
            'headers', pg_catalog.json_build_object(
                'Retry-After', retry_after, 'X-RateLimit-Name', action
            )
        )::text;
end;
$$;

comment on function rate_limit.refuse(text, double precision) is
'Raise PGRST → HTTP 429 for `action` with Retry-After = ceil(wait) seconds and X-RateLimit-Name.';

-- Only the sign-in charges (auth.sign_in_charges) refuse through this one.
create or replace function auth.raise_rate_limited(wait double precision)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
    raise sqlstate 'PGRST' using
        message = '{"code":"over_request_rate_limit","message":"Request rate limit reached"}',
        detail = pg_catalog.jsonb_build_object(
            'status', 429,
            'headers', pg_catalog.jsonb_build_object(
                'Retry-After', pg_catalog.ceil(wait)::bigint::text,
                'X-RateLimit-Name', 'auth.sign_in'
            )
        )::text;
end
$$;
