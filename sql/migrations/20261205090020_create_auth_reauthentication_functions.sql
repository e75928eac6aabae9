-- Purpose: /reauthenticate and its nonce for sensitive changes (issue 20): with [auth.email]
-- secure_password_change on, PUT /user changes the password only with the 6-digit nonce mailed
-- to the user's address, as GoTrue asks.
-- Affected: constraint one_time_tokens_token_type_check on auth.one_time_tokens (adds
-- 'reauthentication'); functions auth.issue_reauthentication_nonce(uuid, integer) and
-- auth.update_user_with_nonce(jsonb, text) (new).
-- The nonce is stored as the other codes are (sha256 of address:nonce), single-use, short-lived.

-- lint: allow ban-drop-constraint — replaced by the wider check right below, same name
alter table auth.one_time_tokens
drop constraint one_time_tokens_token_type_check;

-- lint: allow constraint-missing-not-valid — auth.one_time_tokens is small and short-lived
alter table auth.one_time_tokens
add constraint one_time_tokens_token_type_check check (
    token_type in ('confirmation', 'recovery', 'magiclink', 'invite', 'reauthentication')
);

-- DEFINER: the service role (the auth server, for the signed-in caller) writes the nonce.
create function auth.issue_reauthentication_nonce(user_id uuid, expiry_seconds integer)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    account auth.users;
    code text := pg_catalog.lpad(
        (
            ('x' || pg_catalog.encode(extensions.gen_random_bytes(4), 'hex'))::bit(32)::bigint
            % 1000000
        )::text,
        6, '0'
    );
begin
    select * into strict account
    from auth.users as u
    where u.id = issue_reauthentication_nonce.user_id;
    perform auth.take_email_limit(
        'auth.email_send.email', account.email::text, 'over_email_send_rate_limit'
    );
    insert into auth.one_time_tokens as t (
        user_id, token_type, email, token_hash, code_hash, expires_at
    )
    values (
        account.id, 'reauthentication', account.email,
        extensions.digest(extensions.gen_random_bytes(32), 'sha256'),
        extensions.digest(pg_catalog.lower(account.email::text) || ':' || code, 'sha256'),
        pg_catalog.now() + pg_catalog.make_interval(secs => expiry_seconds)
    )
    on conflict on constraint one_time_tokens_user_id_token_type_key do update
    set token_hash = excluded.token_hash, code_hash = excluded.code_hash,
        created_at = excluded.created_at, expires_at = excluded.expires_at;
    return pg_catalog.jsonb_build_object(
        'token_type', 'reauthentication',
        'code', code,
        'email', account.email,
        'locales', pg_catalog.to_jsonb(auth.user_locales(account.id))
    );
end
$$;

comment on function auth.issue_reauthentication_nonce(uuid, integer) is
'A new 6-digit reauthentication nonce for the user (rate-limited per address); the auth server '
'mails it.';

grant execute on function auth.issue_reauthentication_nonce(uuid, integer) to service_role;

-- DEFINER: the signed-in user spends a nonce in a table no API role can touch.
create function auth.update_user_with_nonce(attributes jsonb, nonce text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    account auth.users := auth.require_user();
    spent uuid;
begin
    if attributes ? 'password' then
        if coalesce(nonce, '') = '' then
            perform auth.fail(
                400, 'reauthentication_needed', 'Password update requires reauthentication'
            );
        end if;
        delete from auth.one_time_tokens as t
        where t.user_id = account.id
            and t.token_type = 'reauthentication'
            and t.code_hash = extensions.digest(
                pg_catalog.lower(account.email::text) || ':' || nonce, 'sha256'
            )
            and t.expires_at > pg_catalog.now()
        returning t.id into spent;
        if spent is null then
            perform auth.fail(400, 'reauthentication_not_valid', 'Requires reauthentication');
        end if;
    end if;
    return auth.update_user(attributes);
end
$$;

comment on function auth.update_user_with_nonce(jsonb, text) is
'PUT /user with secure_password_change on: a password change spends a valid reauthentication '
'nonce first (400 reauthentication_needed / reauthentication_not_valid otherwise).';

grant execute on function auth.update_user_with_nonce(jsonb, text) to authenticated;
