-- Purpose: charge a token bucket in a transaction of its own, so the charge counts even when
-- the request's transaction is READ ONLY (every GET) or later rolls back (failed requests).
-- Affected: functions rate_limit.connect_limiter(), rate_limit.take_autonomously(text, text,
-- integer, double precision), rate_limit.enforce_autonomously(text, text, integer,
-- double precision).
-- Each backend keeps one dblink connection named 'rate_limiter' (login role rate_limiter, over
-- 127.0.0.1 to this database) and reuses it; a broken one (connection error, remote backend
-- terminated) is reopened once. On it, try_take runs autocommitted. The remote session gets
-- lock and statement timeouts: the caller's transaction waits for it, and Postgres cannot see a
-- deadlock that spans two sessions.

-- DEFINER: reads the role's password in app_private.secrets and calls dblink (owner only).
create function rate_limit.connect_limiter()
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
    password text;
begin
    select s.value into password from app_private.secrets as s
    where s.name = 'rate_limiter_password';
    if password is null then
        raise sqlstate '55000' using
            message = 'the rate limiter has no password (app_private.secrets)',
            hint = 'run the stack''s configure_secrets (rfl migrate) on this database';
    end if;
    perform extensions.dblink_connect(
        'rate_limiter',
        pg_catalog.format(
            'host=127.0.0.1 port=%s dbname=%s user=rate_limiter password=%s connect_timeout=5'
            ' application_name=rate_limiter'
            ' options=''-c lock_timeout=2s -c statement_timeout=5s''',
            pg_catalog.current_setting('port'),
            '''' || pg_catalog.replace(
                pg_catalog.replace(pg_catalog.current_database(), '\', '\\'), '''', '\'''
            ) || '''',
            '''' || pg_catalog.replace(
                pg_catalog.replace(password, '\', '\\'), '''', '\'''
            ) || ''''
        )
    );
end;
$$;

comment on function rate_limit.connect_limiter() is
'Open this backend''s dblink connection ''rate_limiter'' (as role rate_limiter, to this database).';

grant execute on function rate_limit.connect_limiter() to service_role;

-- DEFINER: dblink and the limiter's connection are reserved to the owner.
create function rate_limit.take_autonomously(
    action text, subject text, capacity integer, refill_per_second double precision
)
returns double precision
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    query text := pg_catalog.format(
        'select rate_limit.try_take(%L, %L, %L::integer, %L::double precision)',
        action, subject, capacity, refill_per_second
    );
    wait double precision;
begin
    if not coalesce('rate_limiter' = any(extensions.dblink_get_connections()), false) then
        perform rate_limit.connect_limiter();
    end if;
    begin
        select r.wait into wait
        from extensions.dblink('rate_limiter', query) as r (wait double precision);
    exception when connection_exception or admin_shutdown or crash_shutdown
        or idle_session_timeout then
        perform extensions.dblink_disconnect('rate_limiter');
        perform rate_limit.connect_limiter();
        select r.wait into wait
        from extensions.dblink('rate_limiter', query) as r (wait double precision);
    end;
    return wait;
end;
$$;

comment on function rate_limit.take_autonomously(text, text, integer, double precision) is
'try_take in its own committed transaction (dblink): counts in read-only and failed requests.';

grant execute on function rate_limit.take_autonomously(
    text, text, integer, double precision
) to service_role;

create function rate_limit.enforce_autonomously(
    action text, subject text, capacity integer, refill_per_second double precision
)
returns void
language plpgsql
set search_path = ''
as $$
declare
    wait double precision := rate_limit.take_autonomously(
        action, subject, capacity, refill_per_second
    );
begin
    if wait > 0 then
        perform rate_limit.refuse(action, wait);
    end if;
end;
$$;

comment on function rate_limit.enforce_autonomously(text, text, integer, double precision) is
'Take one token autonomously or raise PGRST → HTTP 429 with Retry-After (seconds).';

grant execute on function rate_limit.enforce_autonomously(
    text, text, integer, double precision
) to service_role;
