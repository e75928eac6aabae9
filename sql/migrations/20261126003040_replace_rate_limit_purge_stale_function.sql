-- Purpose: purging stale buckets never waits for a row another transaction holds.
-- Affected: function rate_limit.purge_stale().
-- try_take now also runs on the rate limiter's own connection while the request's transaction
-- waits for it; a purge there that waited for a bucket row locked by that very request would
-- never end (a deadlock across two sessions that Postgres cannot detect). Locked rows are
-- simply left for a later purge.

create or replace function rate_limit.purge_stale()
returns integer
language sql
set search_path = ''
as $$
    with stale as (
        select s.action, s.subject
        from rate_limit.buckets as s
        where s.full_at < pg_catalog.clock_timestamp()
        for update skip locked
    ),

    gone as (
        delete from rate_limit.buckets as b
        using stale
        where b.action = stale.action and b.subject = stale.subject
        returning 1
    )

    select pg_catalog.count(*)::integer from gone
$$;
