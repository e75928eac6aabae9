-- Purpose: schedule the 'anonymous-users' housekeeping job (stale guests) with pg_cron.
-- Affected: pg_cron job housekeeping-anonymous-users, in the cron database only.
-- Same conditions as 20261204080020_schedule_housekeeping_jobs.sql: elsewhere nothing is
-- scheduled and the job runs by hand: select app_private.run_housekeeping('anonymous-users').

do $$
begin
    if pg_catalog.current_setting('cron.database_name', true) is distinct from
        pg_catalog.current_database()
        or not exists (select from pg_catalog.pg_extension where extname = 'pg_cron') then
        raise notice 'pg_cron is not preloaded for this database: guests purge is not scheduled';
        return;
    end if;
    perform cron.schedule(
        'housekeeping-anonymous-users', '47 3 * * *',
        $job$select app_private.run_housekeeping('anonymous-users')$job$
    );
end;
$$;
