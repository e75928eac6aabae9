-- Purpose: TOTP factors through the API (issue 20), as GoTrue's /factors endpoints: enroll,
-- challenge, verify (the session becomes aal2 with amr totp), unenroll.
-- Affected: functions auth.factor_json(auth.mfa_factors), auth.factors_json(uuid),
-- auth.current_session(auth.users), auth.mfa_enroll(text, text, integer, integer),
-- auth.mfa_challenge(uuid, integer), auth.mfa_verification_secret(uuid, uuid, uuid, integer),
-- auth.mfa_verify(uuid, uuid, bigint), auth.mfa_unenroll(uuid); rate_limit.limits row
-- auth.mfa.user.
-- The auth server generates the secret, draws the QR code and checks codes with pyotp; these
-- functions keep the rules: who may enroll (aal2 once a factor is verified), one challenge per
-- verification, from the address that asked for it, and no code of an already used time step.

insert into rate_limit.limits (action, capacity, refill_per_second, description) values (
    'auth.mfa.user', 15, 0.25,
    'MFA challenges and verifications per user: 15, then one every 4 s (GoTrue: 15 a minute).'
)
on conflict (action) do nothing;

create function auth.factor_json(factor auth.mfa_factors)
returns jsonb
language sql
stable
set search_path = ''
as $$
    select pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
        'id', factor.id,
        'friendly_name', nullif(factor.friendly_name, ''),
        'factor_type', factor.factor_type,
        'status', factor.status,
        'created_at', auth.iso_time(factor.created_at),
        'updated_at', auth.iso_time(factor.updated_at),
        'last_challenged_at', auth.iso_time(factor.last_challenged_at)
    ))
$$;

comment on function auth.factor_json(auth.mfa_factors) is
'One factor as GoTrue returns it (id, friendly_name, factor_type, status, times); no secret.';

create function auth.factors_json(user_id uuid)
returns jsonb
language sql
stable
set search_path = ''
as $$
    select coalesce(
        pg_catalog.jsonb_agg(auth.factor_json(f) order by f.created_at, f.id), '[]'::jsonb
    )
    from auth.mfa_factors as f
    where f.user_id = factors_json.user_id
$$;

comment on function auth.factors_json(uuid) is 'The user''s factors, oldest first.';

create function auth.current_session(account auth.users)
returns auth.sessions
language plpgsql
stable
set search_path = ''
as $$
declare
    session auth.sessions;
begin
    -- MFA works on the session the token names (auth.require_user checked that it stands).
    select * into session
    from auth.sessions as s
    where s.id = nullif(auth.jwt() ->> 'session_id', '')::uuid
        and s.user_id = account.id;
    if session.id is null then
        perform auth.fail(
            403, 'session_not_found', 'Session from session_id claim in JWT does not exist'
        );
    end if;
    if account.is_anonymous then
        perform auth.fail(
            403, 'no_authorization', 'Anonymous user not allowed to perform these actions'
        );
    end if;
    return session;
end
$$;

comment on function auth.current_session(auth.users) is
'The session of the caller''s token (403 session_not_found), refused to guests (403).';

-- DEFINER: the signed-in user adds a row to the private auth.mfa_factors.
create function auth.mfa_enroll(
    friendly_name text, secret text, max_factors integer, factor_expiry integer
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    account auth.users := auth.require_user();
    session auth.sessions := auth.current_session(account);
    name text := coalesce(pg_catalog.btrim(friendly_name), '');
    factor auth.mfa_factors;
begin
    -- Unverified factors nobody finished enrolling in time are dropped, as GoTrue does.
    delete from auth.mfa_factors as f
    where f.user_id = account.id and f.status = 'unverified'
        and f.created_at < pg_catalog.now() - pg_catalog.make_interval(secs => factor_expiry);
    if session.aal <> 'aal2' and exists (
        select from auth.mfa_factors as f where f.user_id = account.id and f.status = 'verified'
    ) then
        perform auth.fail(403, 'insufficient_aal', 'AAL2 required to enroll a new factor');
    end if;
    if (select pg_catalog.count(*) from auth.mfa_factors as f where f.user_id = account.id)
        >= max_factors
    then
        perform auth.fail(
            422, 'too_many_enrolled_mfa_factors',
            'Maximum number of verified factors reached, unenroll to continue'
        );
    end if;
    if pg_catalog.length(name) > 255 then
        perform auth.fail(400, 'validation_failed', 'friendly_name must be at most 255 characters');
    end if;
    if name <> '' and exists (
        select from auth.mfa_factors as f where f.user_id = account.id and f.friendly_name = name
    ) then
        perform auth.fail(
            422, 'mfa_factor_name_conflict',
            pg_catalog.format(
                'A factor with the friendly name "%s" for this user already exists', name
            )
        );
    end if;
    insert into auth.mfa_factors (user_id, friendly_name, factor_type, secret)
    values (account.id, name, 'totp', mfa_enroll.secret)
    returning * into factor;
    return pg_catalog.jsonb_build_object(
        'factor', auth.factor_json(factor), 'email', coalesce(account.email::text, '')
    );
end
$$;

comment on function auth.mfa_enroll(text, text, integer, integer) is
'Enroll a TOTP factor with the secret the auth server drew (POST /factors); returns the factor '
'and the account''s email for the otpauth URI.';

grant execute on function auth.mfa_enroll(text, text, integer, integer) to authenticated;

-- DEFINER: the signed-in user opens a challenge in the private auth.mfa_challenges.
create function auth.mfa_challenge(factor_id uuid, expiry integer)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    account auth.users := auth.require_user();
    session auth.sessions := auth.current_session(account);
    factor auth.mfa_factors;
    challenge auth.mfa_challenges;
begin
    select * into factor
    from auth.mfa_factors as f
    where f.id = mfa_challenge.factor_id and f.user_id = account.id
    for update;
    if factor.id is null then
        perform auth.fail(404, 'mfa_factor_not_found', 'Factor not found');
    end if;
    perform auth.take_email_limit('auth.mfa.user', account.id::text, 'over_request_rate_limit');
    insert into auth.mfa_challenges (factor_id, ip_address)
    values (factor.id, app_private.client_address())
    returning * into challenge;
    update auth.mfa_factors as f set last_challenged_at = challenge.created_at
    where f.id = factor.id;
    return pg_catalog.jsonb_build_object(
        'id', challenge.id,
        'type', factor.factor_type,
        'expires_at', pg_catalog.floor(extract(epoch from challenge.created_at))::bigint + expiry
    );
end
$$;

comment on function auth.mfa_challenge(uuid, integer) is
'Open a challenge for one of the caller''s factors (POST /factors/{id}/challenge).';

grant execute on function auth.mfa_challenge(uuid, integer) to authenticated;

-- DEFINER: the auth server reads a factor's secret from the private auth.mfa_factors.
create function auth.mfa_verification_secret(
    user_id uuid, factor_id uuid, challenge_id uuid, expiry integer
)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    factor auth.mfa_factors;
    challenge auth.mfa_challenges;
begin
    select * into factor
    from auth.mfa_factors as f
    where f.id = mfa_verification_secret.factor_id and f.user_id = mfa_verification_secret.user_id;
    if factor.id is null then
        perform auth.fail(404, 'mfa_factor_not_found', 'Factor not found');
    end if;
    -- Charged in this call's own transaction, which commits: a wrong code still costs a token.
    perform auth.take_email_limit(
        'auth.mfa.user', mfa_verification_secret.user_id::text, 'over_request_rate_limit'
    );
    select * into challenge
    from auth.mfa_challenges as c
    where c.id = mfa_verification_secret.challenge_id and c.factor_id = factor.id;
    if challenge.id is null then
        perform auth.fail(
            422, 'mfa_factor_not_found', 'MFA factor with the provided challenge ID not found'
        );
    end if;
    if challenge.created_at + pg_catalog.make_interval(secs => expiry) < pg_catalog.now() then
        perform auth.fail(
            422, 'mfa_challenge_expired',
            pg_catalog.format(
                'MFA challenge %s has expired, verify against another challenge or create a '
                'new challenge.', challenge.id
            )
        );
    end if;
    if challenge.ip_address is distinct from app_private.client_address() then
        perform auth.fail(
            422, 'mfa_ip_address_mismatch', 'Challenge and verify IP addresses mismatch.'
        );
    end if;
    return factor.secret;
end
$$;

comment on function auth.mfa_verification_secret(uuid, uuid, uuid, integer) is
'The secret to check a code against, once the factor, the challenge (unexpired, same client '
'address) and the rate limit allow it; the auth server''s (service role) only.';

grant execute on function auth.mfa_verification_secret(uuid, uuid, uuid, integer)
to service_role;

-- DEFINER: the signed-in user spends a challenge and upgrades their session in private tables.
create function auth.mfa_verify(factor_id uuid, challenge_id uuid, step bigint)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    account auth.users := auth.require_user();
    session auth.sessions := auth.current_session(account);
    factor auth.mfa_factors;
begin
    select * into factor
    from auth.mfa_factors as f
    where f.id = mfa_verify.factor_id and f.user_id = account.id
    for update;
    if factor.id is null then
        perform auth.fail(404, 'mfa_factor_not_found', 'Factor not found');
    end if;
    delete from auth.mfa_challenges as c
    where c.id = mfa_verify.challenge_id and c.factor_id = factor.id;
    if not found then
        perform auth.fail(
            422, 'mfa_factor_not_found', 'MFA factor with the provided challenge ID not found'
        );
    end if;
    -- The code of a time step already used (or older) is a replay: refused like a wrong code.
    if step is null or step <= coalesce(factor.last_verified_step, -1) then
        perform auth.fail(422, 'mfa_verification_failed', 'Invalid TOTP code entered');
    end if;
    update auth.mfa_factors as f
    set status = 'verified', last_verified_step = step, updated_at = pg_catalog.now()
    where f.id = factor.id;
    if factor.status = 'unverified' then
        -- GoTrue: the first verification drops the other unfinished enrollments and ends the
        -- user's other sessions below aal2.
        delete from auth.mfa_factors as f
        where f.user_id = account.id and f.status = 'unverified' and f.id <> factor.id;
        update auth.sessions as s
        set revoked_at = pg_catalog.now(), revoked_reason = 'mfa_enrolled'
        where s.user_id = account.id and s.id <> session.id and s.revoked_at is null
            and s.aal <> 'aal2';
    end if;
    update auth.sessions as s set aal = 'aal2' where s.id = session.id;
    insert into auth.mfa_amr_claims (session_id, authentication_method)
    values (session.id, 'totp')
    on conflict (session_id, authentication_method)
    do update set updated_at = pg_catalog.now();
    return auth.issue_session(session.id);
end
$$;

comment on function auth.mfa_verify(uuid, uuid, bigint) is
'Spend a challenge whose code the auth server matched at TOTP time step `step`: the factor is '
'verified, the session aal2 with amr totp; returns the session''s new tokens.';

grant execute on function auth.mfa_verify(uuid, uuid, bigint) to authenticated;

-- DEFINER: the signed-in user deletes one of their rows of the private auth.mfa_factors.
create function auth.mfa_unenroll(factor_id uuid)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    account auth.users := auth.require_user();
    session auth.sessions := auth.current_session(account);
    factor auth.mfa_factors;
begin
    select * into factor
    from auth.mfa_factors as f
    where f.id = mfa_unenroll.factor_id and f.user_id = account.id
    for update;
    if factor.id is null then
        perform auth.fail(404, 'mfa_factor_not_found', 'Factor not found');
    end if;
    if factor.status = 'verified' and session.aal <> 'aal2' then
        perform auth.fail(422, 'insufficient_aal', 'AAL2 required to unenroll verified factor');
    end if;
    delete from auth.mfa_factors as f where f.id = factor.id;
    return pg_catalog.jsonb_build_object('id', factor.id);
end
$$;

comment on function auth.mfa_unenroll(uuid) is
'Delete one of the caller''s factors (DELETE /factors/{id}); a verified one needs aal2.';

grant execute on function auth.mfa_unenroll(uuid) to authenticated;
