-- Purpose: one place that builds the HTTP 429 of a rate limit, for in-transaction and
-- autonomous charges alike.
-- Affected: function rate_limit.refuse(text, double precision) (new);
-- rate_limit.enforce(text, text, integer, double precision) (now calls refuse; same behaviour).

create function rate_limit.refuse(action text, wait double precision)
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
            'headers', pg_catalog.json_build_object('Retry-After', retry_after)
        )::text;
end;
$$;

comment on function rate_limit.refuse(text, double precision) is
'Raise PGRST → HTTP 429 for `action` with Retry-After = ceil(wait) seconds.';

grant execute on function rate_limit.refuse(text, double precision) to service_role;

create or replace function rate_limit.enforce(
    action text, subject text, capacity integer, refill_per_second double precision
)
returns void
language plpgsql
set search_path = ''
as $$
declare
    wait double precision := rate_limit.try_take(action, subject, capacity, refill_per_second);
begin
    if wait > 0 then
        perform rate_limit.refuse(action, wait);
    end if;
end;
$$;
