-- Purpose: GoTrue's refresh settings (issue 20): a reuse interval, so two tabs refreshing the
-- same token at once both keep the session, and the session timebox and inactivity timeout.
-- Affected: function auth.refresh_session(text) (replaced whole).
-- The auth server passes its settings as transaction settings (ADR 0026), in seconds, 0 = off:
-- auth.refresh_token_reuse_interval, auth.sessions_timebox, auth.sessions_inactivity_timeout;
-- unset (SQL called directly) they are 0, the behaviour so far. Within the interval a rotated
-- token gets a new token of the same session (the child's clear value is not stored, so it
-- cannot be handed out again, unlike GoTrue); later it still raises refresh_token_already_used
-- and the auth server revokes the session (auth.revoke_session_on_token_reuse).

create or replace function auth.refresh_session(refresh_token text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    address inet := app_private.client_address();
    reuse_interval integer := coalesce(nullif(
        pg_catalog.current_setting('auth.refresh_token_reuse_interval', true), ''
    )::integer, 0);
    timebox integer := coalesce(
        nullif(pg_catalog.current_setting('auth.sessions_timebox', true), '')::integer, 0
    );
    inactivity integer := coalesce(nullif(
        pg_catalog.current_setting('auth.sessions_inactivity_timeout', true), ''
    )::integer, 0);
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
    if token.used_at is not null
        and token.used_at <= pg_catalog.now() - pg_catalog.make_interval(secs => reuse_interval)
    then
        perform auth.fail(
            400, 'refresh_token_already_used', 'Invalid Refresh Token: Already Used'
        );
    end if;
    if not auth.session_is_active(session.id) then
        perform auth.fail(400, 'user_banned', 'User is banned');
    end if;
    if timebox > 0
        and session.created_at + pg_catalog.make_interval(secs => timebox) <= pg_catalog.now()
    then
        perform auth.fail(400, 'session_expired', 'Invalid Refresh Token: Session Expired');
    end if;
    if inactivity > 0
        and coalesce(session.refreshed_at, session.created_at)
        + pg_catalog.make_interval(secs => inactivity) <= pg_catalog.now()
    then
        perform auth.fail(
            400, 'session_expired', 'Invalid Refresh Token: Session Expired (Inactivity)'
        );
    end if;
    update auth.refresh_tokens as t set used_at = coalesce(t.used_at, pg_catalog.now())
    where t.token_hash = token.token_hash;
    update auth.sessions as s set refreshed_at = pg_catalog.now() where s.id = session.id;
    return auth.issue_session(session.id);
end
$$;
