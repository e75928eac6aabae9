-- Purpose: make the per-request rate-limit path cheaper.
-- Affected: functions rate_limit.refilled(rate_limit.buckets, integer, double precision),
-- rate_limit.after_take(double precision, integer) (search_path setting removed),
-- rate_limit.peek(text, text, integer, double precision, integer) (now PL/pgSQL).
-- A SQL function with a SET clause is never inlined and is planned again on every call. The two
-- arithmetic helpers name no schema object (operators and pg_catalog functions only), so without
-- the setting Postgres inlines them into try_take's upsert; peek reads a table, so it becomes
-- PL/pgSQL, whose plan lives for the session.

alter function rate_limit.refilled(rate_limit.buckets, integer, double precision) reset all;
alter function rate_limit.after_take(double precision, integer) reset all;

create or replace function rate_limit.peek(
    action text, subject text, capacity integer, refill_per_second double precision, cost integer
)
returns double precision
language plpgsql
stable
set search_path = ''
as $$
declare
    bucket rate_limit.buckets;
begin
    select b.* into bucket from rate_limit.buckets as b
    where b.action = peek.action and b.subject = peek.subject;
    if not found then
        return 0;
    end if;
    return greatest(0, cost - rate_limit.refilled(bucket, capacity, refill_per_second))
        / refill_per_second;
end;
$$;
