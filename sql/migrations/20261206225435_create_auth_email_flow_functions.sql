-- Purpose: `flow_type: pkce` for the password-reset and magic-link emails (issue 20), as
-- supabase-js/py send it: /recover and /otp with a code_challenge record a flow; the mail's link
-- then lands on redirect_to with ?code=..., which /token?grant_type=pkce trades, with the code
-- verifier, for a session (auth.exchange_auth_code, shared with the OAuth flows).
-- Affected: functions auth.begin_email_flow(uuid, text, text, text, text),
-- auth.issue_email_auth_code(uuid, text) (new).
-- The link's own verification starts a session (auth.verify_email_token); in a PKCE flow that
-- session is ended at once (its tokens are never handed out) and the exchange starts the one
-- the app gets, so only the holder of the verifier signs in.

-- DEFINER: the auth server records the PKCE challenge of an email in the private auth.flow_state.
create function auth.begin_email_flow(
    user_id uuid, kind text, code_challenge text, code_challenge_method text, redirect_to text
)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    flow_id uuid;
begin
    if code_challenge is null or code_challenge !~ '^[A-Za-z0-9._~-]{43,128}$' then
        perform auth.fail(
            400, 'validation_failed',
            'code challenge has to be between 43 and 128 characters of [A-Za-z0-9._~-]'
        );
    end if;
    if pg_catalog.lower(code_challenge_method) not in ('s256', 'plain')
        or code_challenge_method is null
    then
        perform auth.fail(400, 'validation_failed', 'code challenge method not supported');
    end if;
    -- A new mail of the kind replaces the previous link's flow, as it replaces its token.
    delete from auth.flow_state as f
    where f.user_id = begin_email_flow.user_id and f.provider_type = kind and f.auth_code is null;
    insert into auth.flow_state (
        user_id, provider_type, authentication_method, code_challenge, code_challenge_method,
        redirect_to
    )
    values (
        begin_email_flow.user_id,
        kind,
        case kind
            when 'recovery' then 'recovery'
            when 'magiclink' then 'magiclink'
            when 'invite' then 'invite'
            else 'email/signup'
        end,
        begin_email_flow.code_challenge,
        pg_catalog.lower(begin_email_flow.code_challenge_method),
        begin_email_flow.redirect_to
    )
    returning id into flow_id;
    return flow_id;
end
$$;

comment on function auth.begin_email_flow(uuid, text, text, text, text) is
'Record the PKCE challenge of an email (recovery, magiclink, confirmation) for its link.';

revoke all on function auth.begin_email_flow(uuid, text, text, text, text) from public;
grant execute on function auth.begin_email_flow(uuid, text, text, text, text) to service_role;

-- DEFINER: the auth server swaps a verified link's session for an auth code in private tables.
create function auth.issue_email_auth_code(session_id uuid, kind text)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    session auth.sessions;
    flow auth.flow_state;
    code text := pg_catalog.gen_random_uuid()::text;
begin
    select * into strict session from auth.sessions as s where s.id = issue_email_auth_code.session_id;
    -- The link's session is never handed out in a PKCE flow: the code exchange starts another.
    update auth.sessions as s
    set revoked_at = pg_catalog.now(), revoked_reason = 'pkce'
    where s.id = session.id and s.revoked_at is null;
    select * into flow
    from auth.flow_state as f
    where f.user_id = session.user_id and f.provider_type = kind and f.auth_code is null
        and f.created_at > pg_catalog.now() - interval '1 hour'
    order by f.created_at desc
    limit 1
    for update;
    if flow.id is null then
        return null;
    end if;
    update auth.flow_state as f
    set auth_code = code, auth_code_issued_at = pg_catalog.now(), updated_at = pg_catalog.now()
    where f.id = flow.id;
    return code;
end
$$;

comment on function auth.issue_email_auth_code(uuid, text) is
'End the session a PKCE email link''s verification started and return the flow''s auth code '
'(null when the flow is gone).';

revoke all on function auth.issue_email_auth_code(uuid, text) from public;
grant execute on function auth.issue_email_auth_code(uuid, text) to service_role;
