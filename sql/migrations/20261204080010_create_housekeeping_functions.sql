-- Purpose: the housekeeping nobody ran: ended sessions and spent refresh tokens, stale
-- rate-limit buckets, old realtime broadcasts and backplane rows, each a job that is idempotent
-- (it deletes only what is past its retention, so a second run deletes nothing) and logged.
-- Affected: table app_private.housekeeping_runs; view app_private.housekeeping_status; functions
-- app_private.purge_ended_sessions(interval), app_private.purge_spent_refresh_tokens(interval),
-- realtime.purge_old_messages(interval), app_private.run_housekeeping(text).
-- Not here: the search outbox keeps no processed rows (the indexer deletes each one once
-- Typesense has it), and expired resumable uploads own files, so the storage reconcile worker
-- removes them with their pieces. pg_cron runs the jobs (next migration).

create table app_private.housekeeping_runs (
    id bigint generated always as identity primary key,
    job text not null,
    started_at timestamptz not null default pg_catalog.clock_timestamp(),
    finished_at timestamptz,
    rows_deleted integer,
    error text,
    constraint housekeeping_runs_outcome_check check (
        (finished_at is null) or (rows_deleted is not null) <> (error is not null)
    )
);

comment on table app_private.housekeeping_runs is
'One row per housekeeping job run: when, how many rows it deleted, or the error it hit.';

revoke all on table app_private.housekeeping_runs from public, anon, authenticated, service_role;

create index housekeeping_runs_job_started_at_idx on app_private.housekeeping_runs (
    job, started_at
);

create view app_private.housekeeping_status as
select distinct on (r.job)
    r.job,
    r.started_at as last_started_at,
    r.finished_at as last_finished_at,
    r.rows_deleted as last_rows_deleted,
    r.error as last_error
from app_private.housekeeping_runs as r
order by r.job asc, r.started_at desc;

comment on view app_private.housekeeping_status is
'The last run of each housekeeping job (what an operator or a metrics scrape reads).';

revoke all on table app_private.housekeeping_status from public, anon, authenticated, service_role;

create function app_private.purge_ended_sessions(keep interval default '7 days')
returns integer
language sql
set search_path = ''
as $$
    -- A session revoked longer ago than `keep` (which must outlast the longest access token)
    -- answers session_is_active() the same way once gone; its refresh tokens go with it.
    with gone as (
        delete from auth.sessions as s
        where s.revoked_at < pg_catalog.now() - purge_ended_sessions.keep
        returning 1
    )

    select pg_catalog.count(*)::integer from gone
$$;

comment on function app_private.purge_ended_sessions(interval) is
'Delete sessions revoked more than `keep` ago (and their refresh tokens); returns how many.';

revoke all on function app_private.purge_ended_sessions(interval) from public;

create function app_private.purge_spent_refresh_tokens(keep interval default '30 days')
returns integer
language sql
set search_path = ''
as $$
    -- A used token is kept so presenting it again revokes its session (reuse detection); past
    -- `keep` a replay is only refused as unknown instead.
    with gone as (
        delete from auth.refresh_tokens as t
        where t.used_at < pg_catalog.now() - purge_spent_refresh_tokens.keep
        returning 1
    )

    select pg_catalog.count(*)::integer from gone
$$;

comment on function app_private.purge_spent_refresh_tokens(interval) is
'Delete refresh tokens used more than `keep` ago; returns how many.';

revoke all on function app_private.purge_spent_refresh_tokens(interval) from public;

create function realtime.purge_old_messages(keep interval default '3 days')
returns integer
language sql
set search_path = ''
as $$
    -- Broadcast rows are delivered on commit; like Supabase Realtime, keep three days of them.
    -- Backplane rows are read within seconds of their NOTIFY.
    with gone_messages as (
        delete from realtime.messages as m
        where m.inserted_at < pg_catalog.now() - purge_old_messages.keep
        returning 1
    ),

    gone_bus as (
        delete from realtime.bus as b
        where b.created_at < pg_catalog.now() - interval '1 hour'
        returning 1
    )

    select ((select pg_catalog.count(*) from gone_messages)
        + (select pg_catalog.count(*) from gone_bus))::integer
$$;

comment on function realtime.purge_old_messages(interval) is
'Delete broadcasts older than `keep` and backplane rows older than an hour; returns how many.';

revoke all on function realtime.purge_old_messages(interval) from public;

create function app_private.run_housekeeping(job text)
returns integer
language plpgsql
set search_path = ''
as $$
declare
    run_id bigint;
    deleted integer;
begin
    insert into app_private.housekeeping_runs (job) values (run_housekeeping.job)
    returning id into run_id;
    begin
        deleted := case run_housekeeping.job
            when 'ended-sessions' then app_private.purge_ended_sessions()
            when 'spent-refresh-tokens' then app_private.purge_spent_refresh_tokens()
            when 'rate-limit-buckets' then rate_limit.purge_stale()
            when 'realtime-messages' then realtime.purge_old_messages()
        end;
        if deleted is null then
            raise sqlstate '22023' using message = 'unknown housekeeping job: ' || run_housekeeping.job;
        end if;
        update app_private.housekeeping_runs as r
        set finished_at = pg_catalog.clock_timestamp(), rows_deleted = deleted
        where r.id = run_id;
    exception when others then
        update app_private.housekeeping_runs as r
        set finished_at = pg_catalog.clock_timestamp(), error = sqlerrm
        where r.id = run_id;
        raise warning 'housekeeping job % failed: %', run_housekeeping.job, sqlerrm;
    end;
    -- Keep 30 days of the log itself.
    delete from app_private.housekeeping_runs as r
    where r.started_at < pg_catalog.now() - interval '30 days';
    return deleted;
end;
$$;

comment on function app_private.run_housekeeping(text) is
'Run one housekeeping job by name, logging it in housekeeping_runs; returns the rows deleted.';

revoke all on function app_private.run_housekeeping(text) from public;
