-- Purpose: email change with double confirmation (issue 20): with confirmations on, PUT /user
-- with a new email mails a link and code to the current address and to the new one; the change
-- happens when both are used, as GoTrue's double_confirm_changes.
-- Affected: column auth.one_time_tokens.new_email, constraint
-- one_time_tokens_token_type_check (adds email_change_current, email_change_new); functions
-- auth.request_email_change(uuid, text, integer, text), auth.verify_email_change(text, text)
-- (new).

alter table auth.one_time_tokens add column new_email extensions.citext;

comment on column auth.one_time_tokens.new_email is
'For email_change_* tokens: the address the account moves to once both are used.';

-- lint: allow ban-drop-constraint — replaced by the wider check right below, same name
alter table auth.one_time_tokens
drop constraint one_time_tokens_token_type_check;

-- lint: allow constraint-missing-not-valid — auth.one_time_tokens is small and short-lived
alter table auth.one_time_tokens
add constraint one_time_tokens_token_type_check check (
    token_type in (
        'confirmation', 'recovery', 'magiclink', 'invite', 'reauthentication',
        'email_change_current', 'email_change_new'
    )
);

-- DEFINER: the service role (the auth server, for the signed-in caller) writes the tokens.
create function auth.request_email_change(
    user_id uuid, new_email text, expiry_seconds integer, redirect_to text default null
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    normalized text := auth.check_email(new_email);
    account auth.users;
    answer jsonb := '{}';
    kind text;
    address text;
    token text;
    code text;
begin
    select * into strict account
    from auth.users as u
    where u.id = request_email_change.user_id;
    if exists (
        select from auth.users as u
        where u.email = normalized::extensions.citext and u.id <> account.id
    ) then
        perform auth.fail(
            422, 'email_exists', 'A user with this email address has already been registered'
        );
    end if;
    perform auth.take_email_limit(
        'auth.email_send.email', account.email::text, 'over_email_send_rate_limit'
    );
    foreach kind in array array['email_change_current', 'email_change_new'] loop
        address := case when kind = 'email_change_current' then account.email::text
            else normalized end;
        token := auth.base64url_encode(extensions.gen_random_bytes(32));
        code := pg_catalog.lpad(
            (
                ('x' || pg_catalog.encode(extensions.gen_random_bytes(4), 'hex'))::bit(32)::bigint
                % 1000000
            )::text,
            6, '0'
        );
        insert into auth.one_time_tokens as t (
            user_id, token_type, email, token_hash, code_hash, redirect_to, expires_at, new_email
        )
        values (
            account.id, kind, address,
            extensions.digest(token, 'sha256'),
            extensions.digest(pg_catalog.lower(address) || ':' || code, 'sha256'),
            redirect_to,
            pg_catalog.now() + pg_catalog.make_interval(secs => expiry_seconds),
            normalized
        )
        on conflict on constraint one_time_tokens_user_id_token_type_key do update
        set email = excluded.email, token_hash = excluded.token_hash,
            code_hash = excluded.code_hash, redirect_to = excluded.redirect_to,
            created_at = excluded.created_at, expires_at = excluded.expires_at,
            new_email = excluded.new_email;
        answer := answer || pg_catalog.jsonb_build_object(kind, pg_catalog.jsonb_build_object(
            'token', token, 'code', code, 'email', address
        ));
    end loop;
    return answer || pg_catalog.jsonb_build_object(
        'locales', pg_catalog.to_jsonb(auth.user_locales(account.id)),
        'user', auth.user_json(account) || pg_catalog.jsonb_build_object(
            'new_email', normalized,
            'email_change_sent_at', auth.iso_time(pg_catalog.now())
        )
    );
end
$$;

comment on function auth.request_email_change(uuid, text, integer, text) is
'Tokens for a double-confirmed email change (one to the current address, one to the new one); '
'the auth server mails them.';

grant execute on function auth.request_email_change(uuid, text, integer, text) to service_role;

-- DEFINER: anon spends an email-change token in tables no API role can touch.
create function auth.verify_email_change(token text, email text default null)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    address inet := app_private.client_address();
    normalized text := pg_catalog.lower(pg_catalog.btrim(email));
    found_token auth.one_time_tokens;
    account auth.users;
begin
    if coalesce(token, '') = '' then
        perform auth.fail(400, 'validation_failed', 'Verify requires a token or a token hash');
    end if;
    if address is not null then
        perform auth.take_email_limit(
            'auth.verify.address', pg_catalog.host(address), 'over_request_rate_limit'
        );
    end if;
    if coalesce(normalized, '') <> '' then
        perform auth.take_email_limit('auth.verify.email', normalized, 'over_request_rate_limit');
        delete from auth.one_time_tokens as t
        where t.code_hash = extensions.digest(normalized || ':' || token, 'sha256')
            and t.email = normalized::extensions.citext
            and t.token_type in ('email_change_current', 'email_change_new')
        returning * into found_token;
    else
        delete from auth.one_time_tokens as t
        where t.token_hash = extensions.digest(token, 'sha256')
            and t.token_type in ('email_change_current', 'email_change_new')
        returning * into found_token;
    end if;
    if found_token.id is null or found_token.expires_at <= pg_catalog.now() then
        return pg_catalog.jsonb_build_object('error', pg_catalog.jsonb_build_object(
            'status', 403, 'code', 'otp_expired', 'message', 'Token has expired or is invalid'
        ));
    end if;
    if exists (
        select from auth.one_time_tokens as t
        where t.user_id = found_token.user_id
            and t.token_type in ('email_change_current', 'email_change_new')
            and t.new_email = found_token.new_email
            and t.expires_at > pg_catalog.now()
    ) then
        return pg_catalog.jsonb_build_object(
            'pending', true, 'redirect_to', found_token.redirect_to
        );
    end if;
    if exists (
        select from auth.users as u
        where u.email = found_token.new_email and u.id <> found_token.user_id
    ) then
        return pg_catalog.jsonb_build_object('error', pg_catalog.jsonb_build_object(
            'status', 422, 'code', 'email_exists',
            'message', 'A user with this email address has already been registered'
        ));
    end if;
    update auth.users as u
    set email = found_token.new_email, updated_at = pg_catalog.now()
    where u.id = found_token.user_id
    returning * into account;
    return pg_catalog.jsonb_build_object(
        'session', auth.issue_session(auth.start_session(account.id)),
        'token_type', 'email_change',
        'redirect_to', found_token.redirect_to
    );
end
$$;

comment on function auth.verify_email_change(text, text) is
'Spend one of the two email-change tokens; {"pending": true} until the other is spent too, '
'then the address changes and a session is returned; refusals as {"error": ...}.';

grant execute on function auth.verify_email_change(text, text) to anon, authenticated, service_role;
