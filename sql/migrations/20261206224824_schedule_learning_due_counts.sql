-- Purpose: schedule the due-count refresh (issue 23) every minute with pg_cron.
-- Affected: pg_cron job learning-due-counts, in the cron database only.
-- Same conditions as 20261204080020_schedule_housekeeping_jobs.sql: elsewhere nothing is
-- scheduled and the job runs by hand: select app_private.refresh_due_counts().

do $$
begin
    if pg_catalog.current_setting('cron.database_name', true) is distinct from
        pg_catalog.current_database()
        or not exists (select from pg_catalog.pg_extension where extname = 'pg_cron') then
        raise notice 'pg_cron is not preloaded for this database: due counts are not refreshed';
        return;
    end if;
    perform cron.schedule(
        'learning-due-counts', '* * * * *', $job$select app_private.refresh_due_counts()$job$
    );
end;
$$;
