-- Purpose: social sign-in in SQL (issue 20): an OAuth flow begun at /authorize and taken back
-- at /callback, the provider identity signed in, linked or created as GoTrue does, and the
-- PKCE auth code exchanged at /token?grant_type=pkce.
-- Affected: functions auth.begin_oauth_flow(...), auth.take_oauth_flow(bytea),
-- auth.record_sign_in_method(uuid, text), auth.sign_in_with_identity(text, text, jsonb, uuid),
-- auth.exchange_auth_code(text, text).
-- The auth server calls the first three as service_role (it verified the provider's answer);
-- anon exchanges an auth code, which only the holder of the code verifier can.

-- DEFINER: the auth server records a flow in a table no API role can touch.
create function auth.begin_oauth_flow(
    provider text,
    state_hash bytea,
    provider_code_verifier text,
    nonce text,
    redirect_to text,
    code_challenge text default null,
    code_challenge_method text default null,
    linking_user_id uuid default null
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
    if (code_challenge is null) <> (code_challenge_method is null) then
        perform auth.fail(
            400, 'validation_failed', 'PKCE flow requires code_challenge_method and code_challenge'
        );
    end if;
    -- Flows never finished (the user left the provider's page) go after an hour.
    delete from auth.flow_state as f
    where f.created_at < pg_catalog.now() - interval '1 hour';
    insert into auth.flow_state (
        provider_type, state_hash, provider_code_verifier, nonce, redirect_to,
        code_challenge, code_challenge_method, linking_user_id
    )
    values (
        begin_oauth_flow.provider, begin_oauth_flow.state_hash,
        begin_oauth_flow.provider_code_verifier, begin_oauth_flow.nonce,
        begin_oauth_flow.redirect_to, begin_oauth_flow.code_challenge,
        pg_catalog.lower(begin_oauth_flow.code_challenge_method),
        begin_oauth_flow.linking_user_id
    )
    returning id into flow_id;
    return flow_id;
end
$$;

comment on function auth.begin_oauth_flow(text, bytea, text, text, text, text, text, uuid) is
'Record an OAuth flow at /authorize: the state''s hash, PKCE verifier and nonce for the provider.';

revoke all on function auth.begin_oauth_flow(text, bytea, text, text, text, text, text, uuid)
from public;
grant execute on function auth.begin_oauth_flow(text, bytea, text, text, text, text, text, uuid)
to service_role;

-- DEFINER: the auth server takes back (once) the flow the state names.
create function auth.take_oauth_flow(state_hash bytea)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    flow auth.flow_state;
begin
    update auth.flow_state as f
    set state_hash = null, updated_at = pg_catalog.now()
    where f.state_hash = take_oauth_flow.state_hash
        and f.created_at > pg_catalog.now() - interval '10 minutes'
    returning * into flow;
    if not found then
        perform auth.fail(400, 'bad_oauth_state', 'OAuth callback with invalid state');
    end if;
    return pg_catalog.to_jsonb(flow) - 'state_hash';
end
$$;

comment on function auth.take_oauth_flow(bytea) is
'The flow of a callback''s state, at most once and within 10 minutes; else 400 bad_oauth_state.';

revoke all on function auth.take_oauth_flow(bytea) from public;
grant execute on function auth.take_oauth_flow(bytea) to service_role;

create function auth.record_sign_in_method(session_id uuid, method text)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
    -- The session's amr entry, when auth.mfa_amr_claims exists (the MFA change adds it; the
    -- token's amr falls back to the first factor without it).
    if pg_catalog.to_regclass('auth.mfa_amr_claims') is not null then
        execute 'insert into auth.mfa_amr_claims (session_id, authentication_method) '
            'values ($1, $2) on conflict do nothing'
        using record_sign_in_method.session_id, record_sign_in_method.method;
    end if;
end
$$;

comment on function auth.record_sign_in_method(uuid, text) is
'Record how a session signed in (oauth, ...) as its amr entry.';

revoke all on function auth.record_sign_in_method(uuid, text) from public;

-- DEFINER: the auth server signs a verified provider identity in (or links it), in tables no
-- API role can touch.
create function auth.sign_in_with_identity(
    provider text, provider_id text, identity_data jsonb, flow_id uuid default null
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    flow auth.flow_state;
    found_identity auth.identities;
    account auth.users;
    address text := nullif(identity_data ->> 'email', '');
    verified boolean := coalesce((identity_data ->> 'email_verified')::boolean, false);
    code text;
    session_id uuid;
begin
    if flow_id is not null then
        select * into strict flow from auth.flow_state as f where f.id = sign_in_with_identity.flow_id
        for update;
    end if;
    select * into found_identity from auth.identities as i
    where i.provider = sign_in_with_identity.provider
        and i.provider_id = sign_in_with_identity.provider_id
    for update;
    if found then
        if flow.linking_user_id is not null and found_identity.user_id <> flow.linking_user_id then
            perform auth.fail(
                422, 'identity_already_exists', 'Identity is already linked to another user'
            );
        end if;
        update auth.identities as i
        set identity_data = sign_in_with_identity.identity_data,
            last_sign_in_at = pg_catalog.now(), updated_at = pg_catalog.now()
        where i.id = found_identity.id;
        select * into strict account from auth.users as u where u.id = found_identity.user_id;
    else
        if flow.linking_user_id is not null then
            select * into strict account from auth.users as u where u.id = flow.linking_user_id;
        elsif address is not null then
            select * into account from auth.users as u where u.email = address::extensions.citext;
            -- GoTrue links a provider to an existing account by a verified address only;
            -- an unverified one never takes over (or shadows) the account that holds it.
            if account.id is not null and (not verified or account.email_confirmed_at is null) then
                perform auth.fail(
                    422, 'email_exists', 'A user with this email address has already been registered'
                );
            end if;
        end if;
        if account.id is null then
            insert into auth.users (
                email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data
            )
            values (
                address::extensions.citext,
                case when verified then pg_catalog.now() end,
                pg_catalog.jsonb_build_object(
                    'provider', sign_in_with_identity.provider,
                    'providers', pg_catalog.jsonb_build_array(sign_in_with_identity.provider)
                ),
                sign_in_with_identity.identity_data
            )
            returning * into account;
        end if;
        insert into auth.identities (user_id, provider, provider_id, identity_data, last_sign_in_at)
        values (
            account.id, sign_in_with_identity.provider, sign_in_with_identity.provider_id,
            sign_in_with_identity.identity_data, pg_catalog.now()
        );
    end if;
    if account.banned_until > pg_catalog.now() then
        perform auth.fail(400, 'user_banned', 'User is banned');
    end if;
    -- A guest who links a provider becomes permanent, same id (GoTrue's anonymous conversion).
    update auth.users as u
    set is_anonymous = false,
        last_sign_in_at = pg_catalog.now(),
        updated_at = pg_catalog.now(),
        raw_app_meta_data = u.raw_app_meta_data || pg_catalog.jsonb_build_object(
            'provider', coalesce(u.raw_app_meta_data ->> 'provider', sign_in_with_identity.provider),
            'providers', (
                select pg_catalog.jsonb_agg(p.name order by p.name)
                from (
                    select pg_catalog.jsonb_array_elements_text(
                        coalesce(u.raw_app_meta_data -> 'providers', '[]')
                    ) as name
                    union
                    select sign_in_with_identity.provider
                ) as p
            )
        )
    where u.id = account.id
    returning * into account;
    if account.email is null and verified and address is not null then
        update auth.users as u
        set email = address::extensions.citext, email_confirmed_at = pg_catalog.now()
        where u.id = account.id
            and not exists (
                select from auth.users as other where other.email = address::extensions.citext
            );
    end if;
    if flow.code_challenge is not null then
        -- flow_type pkce: the app exchanges this code (with its verifier) for the session.
        code := pg_catalog.gen_random_uuid()::text;
        update auth.flow_state as f
        set user_id = account.id, auth_code = code, auth_code_issued_at = pg_catalog.now(),
            updated_at = pg_catalog.now()
        where f.id = flow.id;
        return pg_catalog.jsonb_build_object('auth_code', code);
    end if;
    delete from auth.flow_state as f where f.id = flow.id;
    session_id := auth.start_session(account.id);
    perform auth.record_sign_in_method(session_id, 'oauth');
    return auth.issue_session(session_id);
end
$$;

comment on function auth.sign_in_with_identity(text, text, jsonb, uuid) is
'Sign a verified provider identity in: the linked user, the flow''s linking user, the owner '
'of its verified email, or a new user; a session, or an auth code for a PKCE flow.';

revoke all on function auth.sign_in_with_identity(text, text, jsonb, uuid) from public;
grant execute on function auth.sign_in_with_identity(text, text, jsonb, uuid) to service_role;

-- DEFINER: anon trades an auth code and its verifier for the session the flow prepared.
create function auth.exchange_auth_code(auth_code text, code_verifier text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    flow auth.flow_state;
    computed text;
    session_id uuid;
begin
    if coalesce(pg_catalog.length(code_verifier), 0) not between 43 and 128 then
        perform auth.fail(
            400, 'validation_failed', 'code verifier should be at least 43 characters'
        );
    end if;
    select * into flow from auth.flow_state as f
    where f.auth_code = exchange_auth_code.auth_code and f.user_id is not null
    for update;
    if not found then
        perform auth.fail(404, 'flow_state_not_found', 'invalid flow state, no valid flow state found');
    end if;
    if flow.auth_code_issued_at < pg_catalog.now() - interval '5 minutes' then
        perform auth.fail(
            422, 'flow_state_expired', 'Flow state has expired. Please try signing in again'
        );
    end if;
    computed := case flow.code_challenge_method
        when 's256' then auth.base64url_encode(
            extensions.digest(pg_catalog.convert_to(code_verifier, 'utf8'), 'sha256')
        )
        else code_verifier
    end;
    if computed is distinct from flow.code_challenge then
        perform auth.fail(
            400, 'bad_code_verifier', 'code challenge does not match previously saved code verifier'
        );
    end if;
    delete from auth.flow_state as f where f.id = flow.id;
    update auth.users as u set last_sign_in_at = pg_catalog.now() where u.id = flow.user_id;
    session_id := auth.start_session(flow.user_id);
    perform auth.record_sign_in_method(session_id, flow.authentication_method);
    return auth.issue_session(session_id);
end
$$;

comment on function auth.exchange_auth_code(text, text) is
'Trade a PKCE auth code and its verifier for a session (/token?grant_type=pkce), once, within '
'5 minutes; 404 flow_state_not_found / 422 flow_state_expired / 400 bad_code_verifier.';

revoke all on function auth.exchange_auth_code(text, text) from public;
grant execute on function auth.exchange_auth_code(text, text) to anon, authenticated, service_role;
