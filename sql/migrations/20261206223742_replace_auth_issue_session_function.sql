-- Purpose: the access token's `amr` from auth.mfa_amr_claims (issue 20), so a TOTP verification
-- shows (`totp` before the first factor) and stays across refreshes; `aal` already comes from
-- the session.
-- Affected: functions auth.session_amr(auth.sessions, auth.users) (new),
-- auth.issue_session(uuid) (replaced whole: amr from auth.session_amr).
-- A session without a first-factor row reports password (anonymous for a guest) as before;
-- sign-in methods that record their own row (oauth, otp) replace that fallback.

create function auth.session_amr(session auth.sessions, account auth.users)
returns jsonb
language sql
stable
set search_path = ''
as $$
    with claims as (
        select c.authentication_method as method, c.updated_at as at, 0 as rank
        from auth.mfa_amr_claims as c
        where c.session_id = session.id
        union all
        -- The first factor when no row names one (listed after a row of the same time).
        select
            case when account.is_anonymous then 'anonymous' else 'password' end,
            session.created_at,
            1
        where not exists (
            select from auth.mfa_amr_claims as c
            where c.session_id = session.id
                and c.authentication_method not in ('totp', 'mfa/phone', 'mfa/webauthn')
        )
    )

    select pg_catalog.jsonb_agg(
        pg_catalog.jsonb_build_object(
            'method', claims.method,
            'timestamp', pg_catalog.floor(extract(epoch from claims.at))::bigint
        )
        order by claims.at desc, claims.rank, claims.method
    )
    from claims
$$;

comment on function auth.session_amr(auth.sessions, auth.users) is
'The token''s amr: the session''s authentication methods, newest first, as GoTrue lists them.';

create or replace function auth.issue_session(session_id uuid)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
    session auth.sessions;
    account auth.users;
    secret text := (select s.value from app_private.secrets as s where s.name = 'jwt_secret');
    lifetime integer := coalesce(
        (select s.value::integer from app_private.secrets as s where s.name = 'jwt_exp'), 3600
    );
    issued_at bigint := pg_catalog.floor(extract(epoch from pg_catalog.now()));
    refresh_token text := auth.base64url_encode(extensions.gen_random_bytes(24));
    claims jsonb;
begin
    if secret is null then
        raise exception using errcode = '55000', message = 'app_private.secrets has no jwt_secret';
    end if;
    select * into strict session from auth.sessions as s where s.id = issue_session.session_id;
    select * into strict account from auth.users as u where u.id = session.user_id;
    insert into auth.refresh_tokens (token_hash, session_id)
    values (extensions.digest(refresh_token, 'sha256'), session.id);
    claims := pg_catalog.jsonb_build_object(
        'aud', 'authenticated',
        'exp', issued_at + lifetime,
        'iat', issued_at,
        'sub', account.id,
        'email', coalesce(account.email::text, ''),
        'phone', '',
        'app_metadata', auth.app_metadata(account),
        'user_metadata', account.raw_user_meta_data,
        'role', 'authenticated',
        'aal', session.aal,
        'amr', auth.session_amr(session, account),
        'session_id', session.id,
        'is_anonymous', account.is_anonymous
    );
    return pg_catalog.jsonb_build_object(
        'access_token', auth.jwt_sign(claims, secret),
        'token_type', 'bearer',
        'expires_in', lifetime,
        'expires_at', issued_at + lifetime,
        'refresh_token', refresh_token,
        'user', auth.user_json(account)
    );
end
$$;
