-- Purpose: progressive delays (exponential backoff) beside the token buckets, and charging several
-- limits at once, all or none, in a transaction of its own.
-- Affected: table rate_limit.limits (columns max_wait_seconds, forget_after_seconds); table
-- rate_limit.backoffs (new); functions rate_limit.try_backoff(text, text, integer,
-- double precision, double precision, double precision), rate_limit.take_together(jsonb),
-- rate_limit.give_back_together(jsonb), rate_limit.limiter_scalar(text),
-- rate_limit.take_together_autonomously(jsonb), rate_limit.give_back_together_autonomously(jsonb)
-- (new); EXECUTE for the rate_limiter role on take_together and give_back_together.
-- A limit whose rate_limit.limits row sets max_wait_seconds is a backoff: `capacity` attempts go
-- through without delay, then each attempt makes the next one wait 1 / refill_per_second seconds,
-- doubled per further attempt, at most max_wait_seconds; the count is forgotten once no attempt
-- came for forget_after_seconds, or when the caller gives the attempt back (a success). Attempts
-- refused while waiting are not counted, so a waiting attacker does not lengthen the wait.
-- Every attempt locks its row (SELECT ... FOR UPDATE), so concurrent attempts are counted one
-- by one: a limit is exact under concurrency.

alter table rate_limit.limits
add column max_wait_seconds double precision,
add column forget_after_seconds double precision,
add constraint limits_backoff_check check (
    (max_wait_seconds is null) = (forget_after_seconds is null)
    and max_wait_seconds > 0
    and forget_after_seconds >= max_wait_seconds
);

comment on column rate_limit.limits.max_wait_seconds is
'Set for a backoff: after `capacity` attempts, waits of 1/refill_per_second s doubling, '
'at most this many seconds.';
comment on column rate_limit.limits.forget_after_seconds is
'Set for a backoff: its attempt count is forgotten after this many seconds without attempts.';

create unlogged table rate_limit.backoffs (
    action text not null,
    subject text not null,
    attempts integer not null,
    next_at timestamptz not null,
    forget_at timestamptz not null,
    primary key (action, subject),
    constraint backoffs_attempts_check check (attempts > 0)
);

comment on table rate_limit.backoffs is
'Attempt counts of backoff limits; unlogged (a crash forgets them). Rows vanish once forgotten.';
comment on column rate_limit.backoffs.attempts is 'Attempts counted since the count was forgotten.';
comment on column rate_limit.backoffs.next_at is 'The next attempt is refused before this instant.';
comment on column rate_limit.backoffs.forget_at is 'Past this instant the count starts afresh.';

revoke all on table rate_limit.backoffs from public, anon, authenticated, service_role;

create index backoffs_forget_at_idx on rate_limit.backoffs (forget_at);

-- DEFINER: callers (auth's sign-in, on the rate limiter's connection) write rows they cannot
-- reach themselves.
create function rate_limit.try_backoff(
    action text,
    subject text,
    capacity integer,
    refill_per_second double precision,
    max_wait_seconds double precision,
    forget_after_seconds double precision
)
returns double precision
language plpgsql
security definer
set search_path = ''
as $$
declare
    counted rate_limit.backoffs;
    moment timestamptz;
    tally integer;
    wait_after double precision;
begin
    if capacity <= 0 or refill_per_second <= 0 or max_wait_seconds <= 0
        or forget_after_seconds < max_wait_seconds
    then
        raise sqlstate '22023' using
            message = 'a backoff needs capacity, refill, max wait > 0 and forget >= max wait';
    end if;
    if pg_catalog.random() < 0.001 then
        delete from rate_limit.backoffs as b
        where (b.action, b.subject) in (
            select s.action, s.subject from rate_limit.backoffs as s
            where s.forget_at < pg_catalog.clock_timestamp()
            for update skip locked
        );
    end if;
    loop
        select b.* into counted from rate_limit.backoffs as b
        where b.action = try_backoff.action and b.subject = try_backoff.subject
        for update;
        -- Read the clock once the row is ours: waiting for the lock takes time.
        moment := pg_catalog.clock_timestamp();
        if not found then
            tally := 1;
        elsif counted.forget_at <= moment then
            tally := 1;
        elsif counted.next_at > moment then
            return extract(epoch from counted.next_at - moment);
        else
            tally := counted.attempts + 1;
        end if;
        wait_after := case
            when tally < capacity then 0
            else least(
                max_wait_seconds,
                (1 / refill_per_second) * 2 ^ least(tally - capacity, 60)
            )
        end;
        if counted.action is null then
            insert into rate_limit.backoffs as b (action, subject, attempts, next_at, forget_at)
            values (
                try_backoff.action, try_backoff.subject, tally,
                moment + pg_catalog.make_interval(secs => wait_after),
                moment + pg_catalog.make_interval(secs => forget_after_seconds)
            )
            on conflict on constraint backoffs_pkey do nothing;
            -- Another attempt created the row first: count again behind its lock.
            continue when not found;
        else
            update rate_limit.backoffs as b
            set
                attempts = tally,
                next_at = moment + pg_catalog.make_interval(secs => wait_after),
                forget_at = moment + pg_catalog.make_interval(secs => forget_after_seconds)
            where b.action = try_backoff.action and b.subject = try_backoff.subject;
        end if;
        return 0;
    end loop;
end;
$$;

comment on function rate_limit.try_backoff(
    text, text, integer, double precision, double precision, double precision
) is
'Count one attempt of a backoff limit: 0 = allowed (counted), else seconds to wait (not counted).';

-- DEFINER: writes the buckets and backoffs for the rate limiter's connection.
create function rate_limit.take_together(charges jsonb)
returns double precision
language plpgsql
security definer
set search_path = ''
as $$
declare
    charge jsonb;
    wait double precision := 0;
begin
    begin
        for charge in select c.value from pg_catalog.jsonb_array_elements(charges) as c loop
            if charge ->> 'max_wait_seconds' is null then
                wait := greatest(wait, rate_limit.try_take(
                    charge ->> 'action', charge ->> 'subject', (charge ->> 'capacity')::integer,
                    (charge ->> 'refill_per_second')::double precision
                ));
            else
                wait := greatest(wait, rate_limit.try_backoff(
                    charge ->> 'action', charge ->> 'subject', (charge ->> 'capacity')::integer,
                    (charge ->> 'refill_per_second')::double precision,
                    (charge ->> 'max_wait_seconds')::double precision,
                    (charge ->> 'forget_after_seconds')::double precision
                ));
            end if;
        end loop;
        if wait > 0 then
            -- One limit refused: undo the others' charges too (all or none).
            raise exception using errcode = 'P0004';
        end if;
    exception when assert_failure then
        return wait;
    end;
    return 0;
end;
$$;

comment on function rate_limit.take_together(jsonb) is
'Charge every limit of `charges` (objects: action, subject and the limit''s rate_limit.limits '
'figures) or none: 0 = all charged, else the longest wait.';

-- DEFINER: writes the buckets and backoffs for the rate limiter's connection.
create function rate_limit.give_back_together(charges jsonb)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
    charge jsonb;
begin
    for charge in select c.value from pg_catalog.jsonb_array_elements(charges) as c loop
        if charge ->> 'max_wait_seconds' is null then
            update rate_limit.buckets as b
            set
                tokens = least((charge ->> 'capacity')::double precision, b.tokens + 1),
                wait_seconds = 0,
                full_at = b.updated_at + pg_catalog.make_interval(
                    secs => greatest(
                        0,
                        (charge ->> 'capacity')::double precision - least(
                            (charge ->> 'capacity')::double precision, b.tokens + 1
                        )
                    ) / (charge ->> 'refill_per_second')::double precision
                )
            where b.action = charge ->> 'action' and b.subject = charge ->> 'subject';
        else
            delete from rate_limit.backoffs as b
            where b.action = charge ->> 'action' and b.subject = charge ->> 'subject';
        end if;
    end loop;
end;
$$;

comment on function rate_limit.give_back_together(jsonb) is
'Undo one successful charge of each limit of `charges`: a bucket''s token back, a backoff reset.';

grant execute on function rate_limit.take_together(jsonb) to rate_limiter;
grant execute on function rate_limit.give_back_together(jsonb) to rate_limiter;

-- DEFINER: dblink and the limiter's connection are reserved to the owner. Not granted to any
-- role: it runs any query (as rate_limiter, which may only charge limits).
create function rate_limit.limiter_scalar(query text)
returns double precision
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    result double precision;
begin
    if not coalesce('rate_limiter' = any(extensions.dblink_get_connections()), false) then
        perform rate_limit.connect_limiter();
    end if;
    begin
        select r.value into result
        from extensions.dblink('rate_limiter', query) as r (value double precision);
    exception when connection_exception or admin_shutdown or crash_shutdown
        or idle_session_timeout then
        perform extensions.dblink_disconnect('rate_limiter');
        perform rate_limit.connect_limiter();
        select r.value into result
        from extensions.dblink('rate_limiter', query) as r (value double precision);
    end;
    return result;
end;
$$;

comment on function rate_limit.limiter_scalar(text) is
'Run `query` (one double precision value) autocommitted on the rate limiter''s dblink connection.';

create function rate_limit.take_together_autonomously(charges jsonb)
returns double precision
language plpgsql
volatile
set search_path = ''
as $$
begin
    return rate_limit.limiter_scalar(
        pg_catalog.format('select rate_limit.take_together(%L::jsonb)', charges)
    );
end;
$$;

comment on function rate_limit.take_together_autonomously(jsonb) is
'take_together in its own committed transaction (dblink): the charge outlives a rollback.';

create function rate_limit.give_back_together_autonomously(charges jsonb)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
    perform rate_limit.limiter_scalar(pg_catalog.format(
        'select 0::double precision from rate_limit.give_back_together(%L::jsonb)', charges
    ));
end;
$$;

comment on function rate_limit.give_back_together_autonomously(jsonb) is
'give_back_together in its own committed transaction (dblink), as the charge was made.';
