-- Purpose: start sessions, issue access + refresh tokens, and load the caller's account.
-- Affected: functions auth.start_session(uuid), auth.issue_session(uuid), auth.require_user().
-- Plain (invoker) functions with no API grants: only the auth definer functions call them.

create function auth.start_session(user_id uuid)
returns uuid
language plpgsql
volatile
set search_path = ''
as $$
declare
    session_id uuid;
begin
    insert into auth.sessions (user_id, ip, user_agent)
    values (
        start_session.user_id,
        app_private.client_address(),
        nullif(pg_catalog.current_setting('request.headers', true), '')::jsonb ->> 'user-agent'
    )
    returning id into session_id;
    return session_id;
end
$$;

comment on function auth.start_session(uuid) is
'New session for the user, recording the client address and user agent of the request.';

create function auth.issue_session(session_id uuid)
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
        'email', account.email,
        'phone', '',
        'app_metadata', auth.app_metadata(account),
        'user_metadata', account.raw_user_meta_data,
        'role', 'authenticated',
        'aal', session.aal,
        'amr', pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
            'method', 'password',
            'timestamp', pg_catalog.floor(extract(epoch from session.created_at))::bigint
        )),
        'session_id', session.id,
        'is_anonymous', false
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

comment on function auth.issue_session(uuid) is
'Session response: a signed access token and a new single-use refresh token for the session.';

create function auth.require_user()
returns auth.users
language plpgsql
stable
set search_path = ''
as $$
declare
    claims jsonb := coalesce(auth.jwt(), '{}');
    account auth.users;
begin
    if claims ->> 'role' is distinct from 'authenticated'
        or coalesce(claims ->> 'sub', '') !~ '^[0-9a-fA-F-]{36}$'
    then
        perform auth.fail(403, 'bad_jwt', 'invalid claim: missing sub claim');
    end if;
    select * into account from auth.users as u where u.id = (claims ->> 'sub')::uuid;
    if not found then
        perform auth.fail(403, 'user_not_found', 'User from sub claim in JWT does not exist');
    end if;
    if claims ? 'session_id' and (
        coalesce(claims ->> 'session_id', '') !~ '^[0-9a-fA-F-]{36}$'
        or not auth.session_is_active((claims ->> 'session_id')::uuid)
    ) then
        perform auth.fail(
            403, 'session_not_found', 'Session from session_id claim in JWT does not exist'
        );
    end if;
    return account;
end
$$;

comment on function auth.require_user() is
'The caller''s account; 403 bad_jwt / user_not_found / session_not_found as GoTrue answers.';
