-- Purpose: token-bucket rate limiting per (action, subject), cheap enough for every request.
-- Affected: tables rate_limit.buckets, rate_limit.limits; functions rate_limit.try_take,
-- rate_limit.enforce, rate_limit.purge_stale.
-- A bucket holds `tokens` (at most `capacity`) and refills at `refill_per_second`. One upsert
-- (`insert ... on conflict do update ... returning`) refills, takes and reports atomically, so
-- concurrent callers never lose an update. Buckets that are full again carry no information:
-- they are deleted by purge_stale(), which try_take runs on about one call in a thousand.
-- In a read-only transaction (PostgREST runs GET in one) nothing can be written: try_take then
-- only checks the bucket and refuses when it is already empty.
-- Limits: every configurable figure lives in rate_limit.limits (one place); see its rows below.

create unlogged table rate_limit.buckets (
    action text not null,
    subject text not null,
    tokens double precision not null,
    wait_seconds double precision not null default 0,
    updated_at timestamptz not null,
    full_at timestamptz not null,
    primary key (action, subject),
    constraint buckets_wait_seconds_check check (wait_seconds >= 0)
);

comment on table rate_limit.buckets is
'Token buckets; unlogged (a crash just refills them). Rows vanish once full again.';
comment on column rate_limit.buckets.wait_seconds is
'Seconds the last refused caller must wait; 0 when the last take succeeded.';
comment on column rate_limit.buckets.full_at is
'When the bucket is full again; past that instant the row is stale.';

revoke all on table rate_limit.buckets from public, anon, authenticated, service_role;

create index buckets_full_at_idx on rate_limit.buckets (full_at);

create table rate_limit.limits (
    action text primary key,
    capacity integer not null,
    refill_per_second double precision not null,
    description text not null,
    constraint limits_capacity_check check (capacity > 0),
    constraint limits_refill_check check (refill_per_second > 0)
);

comment on table rate_limit.limits is
'The configured limits (capacity, refill per second) of each rate-limited action.';

revoke all on table rate_limit.limits from public, anon, authenticated, service_role;

insert into rate_limit.limits (action, capacity, refill_per_second, description) values
('request.authenticated', 600, 100, 'Every API request of a signed-in user, per user id.'),
('request.anon', 600, 100, 'Every anonymous API request, per client address.'),
('campaign.join', 10, 0.1, 'join_campaign attempts per user (a burst of 10, then 6 a minute).'),
('dice.roll', 60, 2, 'Dice rolls per user (a burst of 60, then 2 a second).');

create function rate_limit.purge_stale()
returns integer
language sql
set search_path = ''
as $$
    with gone as (
        delete from rate_limit.buckets as b
        where b.full_at < pg_catalog.clock_timestamp()
        returning 1
    )

    select pg_catalog.count(*)::integer from gone
$$;

comment on function rate_limit.purge_stale() is
'Delete buckets that have refilled completely; returns how many were deleted.';

create function rate_limit.peek(
    action text, subject text, capacity integer, refill_per_second double precision, cost integer
)
returns double precision
language sql
stable
set search_path = ''
as $$
    select coalesce(
        pg_catalog.max(
            greatest(
                0,
                (peek.cost - least(
                    peek.capacity,
                    b.tokens + peek.refill_per_second * extract(
                        epoch from pg_catalog.clock_timestamp() - b.updated_at
                    )
                )) / peek.refill_per_second
            )
        ),
        0
    )
    from rate_limit.buckets as b
    where b.action = peek.action and b.subject = peek.subject
$$;

comment on function rate_limit.peek(text, text, integer, double precision, integer) is
'Seconds until `cost` tokens are available, without taking them (for read-only transactions).';

create function rate_limit.refilled(
    bucket rate_limit.buckets, capacity integer, refill_per_second double precision
)
returns double precision
language sql
volatile
set search_path = ''
as $$
    select least(
        refilled.capacity::double precision,
        (refilled.bucket).tokens + refilled.refill_per_second * greatest(0, extract(
            epoch from pg_catalog.clock_timestamp() - (refilled.bucket).updated_at
        ))
    )
$$;

comment on function rate_limit.refilled(rate_limit.buckets, integer, double precision) is
'The tokens a bucket holds now, after refilling since its last update.';

create function rate_limit.after_take(tokens double precision, cost integer)
returns double precision
language sql
immutable
set search_path = ''
as $$
    select case when after_take.tokens >= after_take.cost
        then after_take.tokens - after_take.cost else after_take.tokens end
$$;

comment on function rate_limit.after_take(double precision, integer) is
'The tokens left after taking `cost` when enough are available (else unchanged).';

-- DEFINER: callers (the pre-request hook, auth and dice triggers) must write buckets they
-- cannot reach themselves.
create function rate_limit.try_take(
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
        try_take.action, try_take.subject, try_take.capacity - try_take.cost,
        pg_catalog.clock_timestamp(),
        pg_catalog.clock_timestamp()
        + pg_catalog.make_interval(secs => try_take.cost / try_take.refill_per_second)
    )
    on conflict on constraint buckets_pkey do update
        set
            tokens = rate_limit.after_take(
                rate_limit.refilled(b, try_take.capacity, try_take.refill_per_second), try_take.cost
            ),
            wait_seconds = greatest(
                0, try_take.cost - rate_limit.refilled(b, try_take.capacity, try_take.refill_per_second)
            ) / try_take.refill_per_second,
            updated_at = greatest(b.updated_at, pg_catalog.clock_timestamp()),
            full_at = greatest(b.updated_at, pg_catalog.clock_timestamp()) + pg_catalog.make_interval(
                secs => (try_take.capacity - rate_limit.after_take(
                    rate_limit.refilled(b, try_take.capacity, try_take.refill_per_second),
                    try_take.cost
                )) / try_take.refill_per_second
            )
    returning b.wait_seconds into wait;
    return wait;
end;
$$;

comment on function rate_limit.try_take(text, text, integer, double precision, integer) is
'Take `cost` tokens from the (action, subject) bucket: 0 = allowed, else seconds to wait.';

grant execute on function rate_limit.try_take(
    text, text, integer, double precision, integer
) to service_role;

create function rate_limit.enforce(
    action text, subject text, capacity integer, refill_per_second double precision
)
returns void
language plpgsql
set search_path = ''
as $$
declare
    wait double precision := rate_limit.try_take(action, subject, capacity, refill_per_second);
    retry_after text := pg_catalog.ceil(greatest(wait, 0.001))::integer::text;
begin
    if wait > 0 then
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
    end if;
end;
$$;

comment on function rate_limit.enforce(text, text, integer, double precision) is
'Take one token or raise PGRST → HTTP 429 with a Retry-After header (seconds).';

grant execute on function rate_limit.enforce(
    text, text, integer, double precision
) to service_role;
