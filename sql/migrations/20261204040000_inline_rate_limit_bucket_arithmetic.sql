-- Purpose: no function runs with a mutable search_path (splinter's function_search_path_mutable
-- warned about the two arithmetic helpers of the token bucket) while try_take stays one statement.
-- Affected: function rate_limit.try_take(text, text, integer, double precision, integer)
-- (arithmetic written inline); rate_limit.refilled(rate_limit.buckets, integer, double precision)
-- (search_path pinned again); rate_limit.after_take(double precision, integer) (dropped: unused).
-- 20261126002910 removed the helpers' settings so that Postgres would inline them into try_take's
-- upsert (a SQL function with a SET clause is never inlined). The upsert now computes the refilled
-- tokens once, in a sub-select of its DO UPDATE, at one instant per call; the helpers are no
-- longer on the per-request path. peek (PL/pgSQL, read-only requests) keeps calling refilled.

create or replace function rate_limit.try_take(
    action text,
    subject text,
    capacity integer,
    refill_per_second double precision,
    cost integer default 1
)
returns double precision
language plpgsql
security definer
set search_path = ''
as $$
declare
    moment timestamptz := pg_catalog.clock_timestamp();
    wait double precision;
begin
    if capacity <= 0 or refill_per_second <= 0 or cost <= 0 or cost > capacity then
        raise sqlstate '22023' using message = 'rate limit needs 0 < cost <= capacity, refill > 0';
    end if;
    if pg_catalog.current_setting('transaction_read_only') = 'on' then
        return rate_limit.peek(action, subject, capacity, refill_per_second, cost);
    end if;
    if pg_catalog.random() < 0.001 then
        perform rate_limit.purge_stale();
    end if;
    insert into rate_limit.buckets as b (action, subject, tokens, updated_at, full_at)
    values (
        try_take.action, try_take.subject, try_take.capacity - try_take.cost, moment,
        moment + pg_catalog.make_interval(secs => try_take.cost / try_take.refill_per_second)
    )
    on conflict on constraint buckets_pkey do update
        set (tokens, wait_seconds, updated_at, full_at) = (
            select
                taken.tokens,
                greatest(0, try_take.cost - refilled.tokens) / try_take.refill_per_second,
                refilled.moment,
                refilled.moment + pg_catalog.make_interval(
                    secs => (try_take.capacity - taken.tokens) / try_take.refill_per_second
                )
            from (
                select
                    least(
                        try_take.capacity::double precision,
                        b.tokens + try_take.refill_per_second
                        * greatest(0, extract(epoch from moment - b.updated_at))
                    ) as tokens,
                    greatest(b.updated_at, moment) as moment
            ) as refilled
            cross join lateral (
                select case
                    when refilled.tokens >= try_take.cost then refilled.tokens - try_take.cost
                    else refilled.tokens
                end as tokens
            ) as taken
        )
    returning b.wait_seconds into wait;
    return wait;
end;
$$;

alter function rate_limit.refilled(rate_limit.buckets, integer, double precision)
set search_path = '';

drop function rate_limit.after_take(double precision, integer);
