-- Purpose: the API nodes' rate-limit reconciliation (issue 19, ADR 0022). Each REST node admits
-- requests against a local copy of the `request.*` buckets and, at most once per batch interval,
-- charges what it admitted with this one statement and reads back the buckets' state.
-- Affected: function rate_limit.charge_batch(jsonb); USAGE on schema rate_limit and EXECUTE on
-- that function for authenticator (the REST servers' login role).
-- A charge is taken whatever the bucket holds: the node already answered those requests, so the
-- bucket may go below zero and the debt is refilled before anyone is admitted again. That is what
-- bounds the overshoot of all the nodes together (docs/security.md, "Request rate limits").
-- Keys are charged in (action, subject) order so that two nodes' batches never deadlock.

create function rate_limit.charge_batch(charges jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
    item record;
    left_over double precision;
    answer jsonb := '[]';
begin
    if pg_catalog.random() < 0.01 then
        perform rate_limit.purge_stale();
    end if;
    for item in
        select c.a, c.s, greatest(coalesce(c.n, 0), 0) as n, l.capacity, l.refill_per_second
        from pg_catalog.jsonb_to_recordset(charges) as c (a text, s text, n integer)
        inner join rate_limit.limits as l on c.a = l.action
        where c.a like 'request.%' and c.s is not null
        order by c.a, c.s
    loop
        insert into rate_limit.buckets as b (action, subject, tokens, updated_at, full_at)
        values (
            item.a, item.s, item.capacity - item.n, pg_catalog.clock_timestamp(),
            pg_catalog.clock_timestamp()
            + pg_catalog.make_interval(secs => item.n / item.refill_per_second)
        )
        on conflict on constraint buckets_pkey do update
            set
                tokens = rate_limit.refilled(b, item.capacity, item.refill_per_second) - item.n,
                wait_seconds = 0,
                updated_at = greatest(b.updated_at, pg_catalog.clock_timestamp()),
                full_at = greatest(b.updated_at, pg_catalog.clock_timestamp())
                + pg_catalog.make_interval(secs => (
                    item.capacity
                    - rate_limit.refilled(b, item.capacity, item.refill_per_second)
                    + item.n
                ) / item.refill_per_second)
        returning b.tokens into left_over;
        answer := answer || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_array(
            item.a, item.s, left_over, item.capacity, item.refill_per_second
        ));
    end loop;
    return answer;
end;
$$;

comment on function rate_limit.charge_batch(jsonb) is
'Charge [{"a": action, "s": subject, "n": requests}, ...] of request.* limits (n = 0 reads) and '
'return [[action, subject, tokens left (may be < 0), capacity, refill per second], ...].';

revoke all on function rate_limit.charge_batch(jsonb) from public;
grant usage on schema rate_limit to authenticator;
grant execute on function rate_limit.charge_batch(jsonb) to authenticator;
