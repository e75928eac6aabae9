-- Purpose: schedule the housekeeping jobs with pg_cron, where pg_cron can run them.
-- Affected: extension pg_cron (schema cron) and its jobs, in the cron database only.
-- pg_cron runs in one database per cluster (cron.database_name, `postgres` for the native
-- stack: native_platform/postgres.py) and only when preloaded. Everywhere else (databases cloned
-- for tests, a cluster without the package) this migration records nothing and says so; the
-- jobs can still be run by hand: select app_private.run_housekeeping('<job>').
-- cron.schedule(name, ...) replaces a job of the same name, so running this again is harmless.
-- Times are UTC, minutes spread so the jobs do not start together. Backups are not scheduled
-- here: they run outside the database (`rfl backup` from a system timer, docs/operations.md).

do $$
begin
    if pg_catalog.current_setting('cron.database_name', true) is distinct from
        pg_catalog.current_database()
        or not exists (select from pg_catalog.pg_available_extensions where name = 'pg_cron') then
        raise notice 'pg_cron is not preloaded for this database: housekeeping is not scheduled';
        return;
    end if;
    create extension if not exists pg_cron;
    perform cron.schedule(
        'housekeeping-ended-sessions', '7 3 * * *',
        $job$select app_private.run_housekeeping('ended-sessions')$job$
    );
    perform cron.schedule(
        'housekeeping-spent-refresh-tokens', '17 3 * * *',
        $job$select app_private.run_housekeeping('spent-refresh-tokens')$job$
    );
    perform cron.schedule(
        'housekeeping-rate-limit-buckets', '*/10 * * * *',
        $job$select app_private.run_housekeeping('rate-limit-buckets')$job$
    );
    perform cron.schedule(
        'housekeeping-realtime-messages', '27 * * * *',
        $job$select app_private.run_housekeeping('realtime-messages')$job$
    );
    -- pg_cron's own run log would grow without end: keep a week of it.
    perform cron.schedule(
        'housekeeping-cron-run-details', '37 4 * * *',
        $job$delete from cron.job_run_details where end_time < now() - interval '7 days'$job$
    );
end;
$$;
