-- Purpose: password sign-in limits that are exact under concurrency and that a stranger cannot
-- turn against an account's owner (issue 11, finding 4).
-- Affected: rows 'auth.sign_in.email_address', 'auth.sign_in.email', 'auth.sign_in.address' of
-- rate_limit.limits (new); functions auth.address_subject(inet), auth.sign_in_charges(text, inet)
-- (new); auth.sign_in_with_password(text, text), auth.rate_limit_figures(text) (replaced);
-- auth.check_sign_in_allowed(text), auth.record_failed_sign_in(text),
-- auth.rate_limit_wait(text, text) (dropped).
-- Before, a failure was charged after the password check, in a second call: parallel guesses all
-- passed the check before any was charged (14 evaluated against a limit of 10), and ten failures
-- from anyone blocked the email for everyone, its owner included. Now every attempt is charged
-- before the bcrypt check, on the rate limiter's own connection (committed even though a failed
-- sign-in rolls back), all limits or none, each row locked while it is counted. A success gives
-- the attempt back. The limits (figures in rate_limit.limits; docs/security.md explains them):
--   per (email, client address)  backoff: 10 attempts, then waits of 1 s doubling up to 15 min;
--   per email, all addresses     backoff: 50 attempts, then the same waits; addresses the account
--                                signed in from in the last 30 days are exempt, so a crowd of
--                                strangers cannot lock the owner out of their usual address;
--   per client address           bucket: 30, then 1 every 10 s (password spraying over emails).
-- Emails are counted as the account lookup reads them: trimmed and lowercased (citext equality);
-- IPv6 clients are counted per /64, the block one subscriber usually holds.

insert into rate_limit.limits (
    action, capacity, refill_per_second, max_wait_seconds, forget_after_seconds, description
) values
(
    'auth.sign_in.email_address', 10, 1, 900, 86400,
    'Password sign-in attempts per (email, client address): 10 without delay, then waits of 1 s '
    'doubling per attempt up to 15 min; forgotten after a day without attempts; a successful '
    'sign-in resets it.'
),
(
    'auth.sign_in.email', 50, 1, 900, 86400,
    'Password sign-in attempts per email from all addresses together: 50 without delay, then '
    'waits of 1 s doubling up to 15 min; addresses the account signed in from in the last 30 days '
    'are not counted; forgotten after a day without attempts; a successful sign-in resets it.'
),
(
    'auth.sign_in.address', 30, 0.1, null, null,
    'Password sign-in attempts per client address (IPv6: per /64), whatever the email: a burst of '
    '30, then 1 every 10 s; a successful sign-in gives its token back.'
);

drop function auth.check_sign_in_allowed(text);
drop function auth.record_failed_sign_in(text);
drop function auth.rate_limit_wait(text, text);

create or replace function auth.rate_limit_figures(
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
            ('auth.refresh', 150, 0.5)
        ) as d (action, capacity, refill)
        where d.action = rate_limit_figures.action;
    end if;
    if capacity is null then
        raise exception using errcode = '22023', message = 'unknown auth rate limit: ' || action;
    end if;
end
$$;

create function auth.address_subject(address inet)
returns text
language sql
immutable
set search_path = ''
as $$
    select case
        when pg_catalog.family(address) = 6
            then pg_catalog.network(pg_catalog.set_masklen(address, 64))::text
        else pg_catalog.host(address)
    end
$$;

comment on function auth.address_subject(inet) is
'How a client address is counted by rate limits: IPv4 as is, IPv6 by its /64; null for null.';

create function auth.sign_in_charges(email text, address inet)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    place text := auth.address_subject(address);
    known boolean := address is not null and exists (
        select from auth.sessions as s
        inner join auth.users as u on s.user_id = u.id
        where u.email = sign_in_charges.email::extensions.citext
            and auth.address_subject(s.ip) = place
            and s.created_at > pg_catalog.now() - interval '30 days'
    );
begin
    return (
        select pg_catalog.jsonb_agg(
            pg_catalog.jsonb_strip_nulls(pg_catalog.to_jsonb(l)) - 'description'
            || pg_catalog.jsonb_build_object('subject', case l.action
                when 'auth.sign_in.email_address' then email || ' ' || coalesce(place, '-')
                when 'auth.sign_in.email' then email
                else place
            end)
            order by l.action desc
        )
        from rate_limit.limits as l
        where l.action = 'auth.sign_in.email_address'
            or (l.action = 'auth.sign_in.email' and not known)
            or (l.action = 'auth.sign_in.address' and place is not null)
    );
end
$$;

comment on function auth.sign_in_charges(text, inet) is
'The limits (with subjects) one password sign-in attempt of a normalised email is charged to.';

-- DEFINER: anon checks the password hash, charges private rate limits and creates a session.
create or replace function auth.sign_in_with_password(email text, password text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    normalized text := pg_catalog.lower(pg_catalog.btrim(email));
    charges jsonb;
    wait double precision;
    account auth.users;
begin
    if coalesce(normalized, '') = '' or coalesce(password, '') = '' then
        perform auth.fail(400, 'validation_failed', 'missing email or password');
    end if;
    if pg_catalog.length(normalized) > 255 then
        -- No account has such an email (auth.check_email); refused before any bcrypt work.
        perform auth.fail(400, 'validation_failed', 'Unable to validate email address');
    end if;
    -- Charged before the password check, committed on its own: guesses cannot outrun it.
    charges := auth.sign_in_charges(normalized, app_private.client_address());
    wait := rate_limit.take_together_autonomously(charges);
    if wait > 0 then
        perform auth.raise_rate_limited(wait);
    end if;
    select * into account from auth.users as u where u.email = normalized::extensions.citext;
    if account.encrypted_password is null then
        perform extensions.crypt(
            password, '$2a$10$0hV7y1qS6c0W4wFvzSVQ.e7qE.LEX2xMFoPXBIThg1N8a1MufKuyO'
        );
        perform auth.fail(400, 'invalid_credentials', 'Invalid login credentials');
    end if;
    if extensions.crypt(password, account.encrypted_password) <> account.encrypted_password then
        perform auth.fail(400, 'invalid_credentials', 'Invalid login credentials');
    end if;
    if account.email_confirmed_at is null then
        perform auth.fail(400, 'email_not_confirmed', 'Email not confirmed');
    end if;
    if account.banned_until > pg_catalog.now() then
        perform auth.fail(400, 'user_banned', 'User is banned');
    end if;
    -- The owner proved who they are: this attempt does not count, the backoffs start afresh.
    perform rate_limit.give_back_together_autonomously(charges);
    update auth.users as u
    set last_sign_in_at = pg_catalog.now(), updated_at = pg_catalog.now()
    where u.id = account.id;
    return auth.issue_session(auth.start_session(account.id));
end
$$;

comment on function auth.sign_in_with_password(text, text) is
'Charge the sign-in limits, verify email + password and return a new session; one generic error '
'for bad credentials.';
