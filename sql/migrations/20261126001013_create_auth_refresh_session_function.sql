-- Purpose: exchange a refresh token for a new session response, rotating the token.
-- Affected: functions auth.refresh_session(text), auth.revoke_session_on_token_reuse(text).
-- Tokens are single use with NO reuse interval (GoTrue tolerates reuse for a few seconds; we
-- do not): presenting a rotated token raises refresh_token_already_used, and the caller then
-- calls auth.revoke_session_on_token_reuse, which ends the whole session (the raise rolls back
-- anything the first call wrote). Two tabs refreshing at once therefore end their session.
-- Refreshes are rate limited per client address ('auth.refresh', see auth.rate_limit_figures).

-- DEFINER: anon looks up the token hash and rotates it in private tables.
create function auth.refresh_session(refresh_token text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    address inet := app_private.client_address();
    token auth.refresh_tokens;
    session auth.sessions;
begin
    if coalesce(refresh_token, '') = '' then
        perform auth.fail(400, 'validation_failed', 'refresh_token is required');
    end if;
    if address is not null then
        perform auth.enforce_rate_limit('auth.refresh', pg_catalog.host(address));
    end if;
    select * into token
    from auth.refresh_tokens as t
    where t.token_hash = extensions.digest(refresh_session.refresh_token, 'sha256')
    for update;
    select * into session from auth.sessions as s where s.id = token.session_id for update;
    if session.id is null or session.revoked_at is not null then
        perform auth.fail(
            400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found'
        );
    end if;
    if token.used_at is not null then
        perform auth.fail(
            400, 'refresh_token_already_used', 'Invalid Refresh Token: Already Used'
        );
    end if;
    if not auth.session_is_active(session.id) then
        perform auth.fail(400, 'user_banned', 'User is banned');
    end if;
    update auth.refresh_tokens as t set used_at = pg_catalog.now()
    where t.token_hash = token.token_hash;
    update auth.sessions as s set refreshed_at = pg_catalog.now() where s.id = session.id;
    return auth.issue_session(session.id);
end
$$;

comment on function auth.refresh_session(text) is
'Rotate a refresh token: mark it used and return a new session response for its session.';

grant execute on function auth.refresh_session(text) to anon, authenticated, service_role;

-- DEFINER: anon revokes the session of a replayed token in private tables.
create function auth.revoke_session_on_token_reuse(refresh_token text)
returns void
language sql
volatile
security definer
set search_path = ''
as $$
    update auth.sessions as s
    set revoked_at = pg_catalog.now(), revoked_reason = 'token_reuse'
    from auth.refresh_tokens as t
    where
        t.token_hash = extensions.digest(revoke_session_on_token_reuse.refresh_token, 'sha256')
        and t.used_at is not null
        and s.id = t.session_id
        and s.revoked_at is null
$$;

comment on function auth.revoke_session_on_token_reuse(text) is
'Revoke the session of an already used refresh token (reuse detection); no-op otherwise.';

grant execute on function auth.revoke_session_on_token_reuse(text)
to anon, authenticated, service_role;
