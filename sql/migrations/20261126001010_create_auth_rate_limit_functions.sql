-- Purpose: auth's rate limits on top of the data core's token buckets (rate_limit.try_take).
-- Affected: functions auth.rate_limit_figures(text), auth.rate_limit_wait(text, text),
-- auth.enforce_rate_limit(text, text), auth.raise_rate_limited(double precision),
-- auth.check_sign_in_allowed(text), auth.record_failed_sign_in(text).
-- plpgsql so that the rate_limit objects (later migrations') resolve at run time.
-- Figures (capacity, refill per second) come from rate_limit.limits rows of the same action
-- when present, else from the defaults below:
--   auth.sign_up                     per client address   60, then 1 per 5 s
--   auth.sign_in_failure.email       per email            10, then 1 per 30 s
--   auth.sign_in_failure.address     per client address   30, then 1 per 10 s
--   auth.refresh                     per client address  150, then 1 per 2 s (GoTrue's default)
-- A failing sign-in rolls back its transaction, so the failure is charged by a second call,
-- auth.record_failed_sign_in, which the auth server makes after invalid_credentials.

create function auth.rate_limit_figures(
    action text, out capacity integer, out refill_per_second double precision
)
language plpgsql
stable
set search_path = ''
as $$
begin
    select l.capacity, l.refill_per_second into capacity, refill_per_second
    from rate_limit.limits as l
    where l.action = rate_limit_figures.action;
    if not found then
        select d.capacity, d.refill into capacity, refill_per_second
        from (values
            ('auth.sign_up', 60, 0.2),
            ('auth.sign_in_failure.email', 10, 1.0 / 30),
            ('auth.sign_in_failure.address', 30, 0.1),
            ('auth.refresh', 150, 0.5)
        ) as d (action, capacity, refill)
        where d.action = rate_limit_figures.action;
    end if;
    if capacity is null then
        raise exception using errcode = '22023', message = 'unknown auth rate limit: ' || action;
    end if;
end
$$;

comment on function auth.rate_limit_figures(text) is
'Capacity and refill of an auth rate limit: rate_limit.limits row, else the built-in default.';

create function auth.rate_limit_wait(action text, subject text)
returns double precision
language plpgsql
volatile
set search_path = ''
as $$
declare
    figures record := auth.rate_limit_figures(action);
    wait double precision;
begin
    -- Take a token in a subtransaction and undo it: a peek that consumes nothing.
    begin
        wait := rate_limit.try_take(action, subject, figures.capacity, figures.refill_per_second);
        raise exception using errcode = 'P0004';
    exception when assert_failure then
        return wait;
    end;
end
$$;

comment on function auth.rate_limit_wait(text, text) is
'Seconds until the bucket would grant a token (0 = now), without taking one.';

create function auth.enforce_rate_limit(action text, subject text)
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
    figures record := auth.rate_limit_figures(action);
begin
    perform rate_limit.enforce(action, subject, figures.capacity, figures.refill_per_second);
end
$$;

comment on function auth.enforce_rate_limit(text, text) is
'Take a token from the bucket or raise 429 (rate_limit.enforce) with the action''s figures.';

create function auth.raise_rate_limited(wait double precision)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
    raise sqlstate 'PGRST' using
        message = '{"code":"over_request_rate_limit","message":"Request rate limit reached"}',
        detail = pg_catalog.jsonb_build_object(
            'status', 429,
            'headers', pg_catalog.jsonb_build_object(
                'Retry-After', pg_catalog.ceil(wait)::bigint::text
            )
        )::text;
end
$$;

comment on function auth.raise_rate_limited(double precision) is
'Raise PostgREST''s PGRST error carrying HTTP 429 and Retry-After.';

create function auth.check_sign_in_allowed(email text)
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
    address inet := app_private.client_address();
    wait double precision := auth.rate_limit_wait('auth.sign_in_failure.email', email);
begin
    if address is not null then
        wait := greatest(wait, auth.rate_limit_wait(
            'auth.sign_in_failure.address', pg_catalog.host(address)
        ));
    end if;
    if wait > 0 then
        perform auth.raise_rate_limited(wait);
    end if;
end
$$;

comment on function auth.check_sign_in_allowed(text) is
'429 when the email or the client address has used up its failed sign-in allowance.';

-- DEFINER: anon must charge the failure buckets, which live in the private rate_limit schema.
create function auth.record_failed_sign_in(email text)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    address inet := app_private.client_address();
    figures record := auth.rate_limit_figures('auth.sign_in_failure.email');
begin
    perform rate_limit.try_take(
        'auth.sign_in_failure.email',
        pg_catalog.lower(pg_catalog.btrim(email)),
        figures.capacity,
        figures.refill_per_second
    );
    if address is not null then
        figures := auth.rate_limit_figures('auth.sign_in_failure.address');
        perform rate_limit.try_take(
            'auth.sign_in_failure.address',
            pg_catalog.host(address),
            figures.capacity,
            figures.refill_per_second
        );
    end if;
end
$$;

comment on function auth.record_failed_sign_in(text) is
'Charge one failed sign-in to the email''s and the client address''s buckets.';

grant execute on function auth.record_failed_sign_in(text) to anon, authenticated, service_role;
