-- Purpose: issue and verify the email flows' one-time tokens (issue 20): sign-up confirmation,
-- /recover, /otp (magic link and 6-digit code), /resend, /invite and /admin/generate_link.
-- Affected: functions auth.take_email_limit(text, text, text), auth.user_locales(uuid),
-- auth.issue_email_token(text, text, integer, text, boolean, jsonb, boolean),
-- auth.verify_email_token(text, text, text) (new).
-- The auth server mails what auth.issue_email_token returns (the only place the clear token
-- and code exist) and answers the client without them; the function is the service role's.
-- auth.verify_email_token returns its refusals instead of raising them, so the verification
-- limits it charged are kept (a failed guess costs a token from both buckets).

create function auth.take_email_limit(action text, subject text, error_code text)
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
    figures record := auth.rate_limit_figures(action);
    wait double precision;
begin
    wait := rate_limit.try_take(action, subject, figures.capacity, figures.refill_per_second);
    if wait > 0 then
        perform auth.fail(
            429, error_code,
            'For security purposes, you can only request this after '
            || pg_catalog.ceil(wait)::bigint::text || ' seconds.',
            null
        );
    end if;
end
$$;

comment on function auth.take_email_limit(text, text, text) is
'Take a token of an email-flow limit or raise 429 with the GoTrue error code and the wait.';

create function auth.user_locales(user_id uuid)
returns text[]
language sql
stable
set search_path = ''
as $$
    with recursive chain (code, depth) as (
        select p.native_locale, 1
        from public.profiles as p
        where p.id = user_locales.user_id
        union all
        select l.fallback, c.depth + 1
        from chain as c
        inner join public.locales as l on c.code = l.code
        where l.fallback is not null and c.depth < 10
    )
    select coalesce(pg_catalog.array_agg(c.code order by c.depth), '{}') || array['en']
    from chain as c
$$;

comment on function auth.user_locales(uuid) is
'The user''s locale and its fallbacks (public.locales), then en: the order email templates are '
'looked up in.';

-- DEFINER: the service role (the auth server) writes auth.users and auth.one_time_tokens.
create function auth.issue_email_token(
    token_type text,
    email text,
    expiry_seconds integer,
    redirect_to text default null,
    create_user boolean default false,
    data jsonb default '{}',
    rate_limited boolean default true
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    normalized text := auth.check_email(email);
    address inet := app_private.client_address();
    kind text := token_type;
    account auth.users;
    token text := auth.base64url_encode(extensions.gen_random_bytes(32));
    code text := pg_catalog.lpad(
        (
            ('x' || pg_catalog.encode(extensions.gen_random_bytes(4), 'hex'))::bit(32)::bigint
            % 1000000
        )::text,
        6, '0'
    );
begin
    if kind not in ('confirmation', 'recovery', 'magiclink', 'invite') then
        perform auth.fail(400, 'validation_failed', 'Unsupported email token type', null);
    end if;
    -- Charged before the account is looked up: the answer is the same for any address. The
    -- service role's own requests (/invite, /admin/generate_link) are not limited, as in GoTrue.
    if rate_limited and address is not null then
        perform auth.take_email_limit(
            'auth.email_send.address', pg_catalog.host(address), 'over_email_send_rate_limit'
        );
    end if;
    if rate_limited then
        perform auth.take_email_limit(
            'auth.email_send.email', normalized, 'over_email_send_rate_limit'
        );
    end if;
    select * into account from auth.users as u where u.email = normalized::extensions.citext;
    if account.id is null then
        if not create_user then
            return null;
        end if;
        perform auth.check_metadata(coalesce(data, '{}'));
        insert into auth.users (email, raw_app_meta_data, raw_user_meta_data)
        values (
            normalized, '{"provider": "email", "providers": ["email"]}', coalesce(data, '{}')
        )
        returning * into account;
        if kind = 'magiclink' then
            kind := 'confirmation';
        end if;
    elsif kind = 'invite' then
        perform auth.fail(
            422, 'email_exists', 'A user with this email address has already been registered',
            null
        );
    elsif kind = 'magiclink' and account.email_confirmed_at is null then
        kind := 'confirmation';
    elsif kind = 'confirmation' and account.email_confirmed_at is not null then
        return null;
    end if;
    insert into auth.one_time_tokens as t (
        user_id, token_type, email, token_hash, code_hash, redirect_to, expires_at
    )
    values (
        account.id, kind, normalized,
        extensions.digest(token, 'sha256'),
        extensions.digest(pg_catalog.lower(normalized) || ':' || code, 'sha256'),
        redirect_to,
        pg_catalog.now() + pg_catalog.make_interval(secs => expiry_seconds)
    )
    on conflict on constraint one_time_tokens_user_id_token_type_key do update
    set token_hash = excluded.token_hash, code_hash = excluded.code_hash,
        redirect_to = excluded.redirect_to, created_at = excluded.created_at,
        expires_at = excluded.expires_at;
    return pg_catalog.jsonb_build_object(
        'token_type', kind,
        'token', token,
        'code', code,
        'email', normalized,
        'locales', pg_catalog.to_jsonb(auth.user_locales(account.id)),
        'user', auth.user_json(account)
    );
end
$$;

comment on function auth.issue_email_token(text, text, integer, text, boolean, jsonb, boolean) is
'A new one-time link token and code of the kind for the address (rate-limited per address and '
'client unless rate_limited is false), or null when there is nothing to send; the auth server '
'mails it.';

grant execute on function auth.issue_email_token(
    text, text, integer, text, boolean, jsonb, boolean
)
to service_role;

-- DEFINER: anon exchanges a token for a session in tables no API role can touch.
create function auth.verify_email_token(verify_type text, token text, email text default null)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    address inet := app_private.client_address();
    normalized text := pg_catalog.lower(pg_catalog.btrim(email));
    kinds text [] := case verify_type
        when 'signup' then array['confirmation']
        when 'email' then array['confirmation', 'magiclink']
        when 'magiclink' then array['magiclink', 'confirmation']
        when 'recovery' then array['recovery']
        when 'invite' then array['invite']
    end;
    found_token auth.one_time_tokens;
    account auth.users;
    refused jsonb := pg_catalog.jsonb_build_object(
        'status', 403, 'code', 'otp_expired', 'message', 'Token has expired or is invalid'
    );
begin
    if kinds is null then
        perform auth.fail(400, 'validation_failed', 'Verify requires a verification type', null);
    end if;
    if coalesce(token, '') = '' then
        perform auth.fail(400, 'validation_failed', 'Verify requires a token or a token hash', null);
    end if;
    if address is not null then
        perform auth.take_email_limit(
            'auth.verify.address', pg_catalog.host(address), 'over_request_rate_limit'
        );
    end if;
    if normalized is not null and normalized <> '' then
        perform auth.take_email_limit('auth.verify.email', normalized, 'over_request_rate_limit');
        delete from auth.one_time_tokens as t
        where t.code_hash = extensions.digest(normalized || ':' || token, 'sha256')
            and t.email = normalized::extensions.citext
            and t.token_type = any(kinds)
        returning * into found_token;
    else
        delete from auth.one_time_tokens as t
        where t.token_hash = extensions.digest(token, 'sha256') and t.token_type = any(kinds)
        returning * into found_token;
    end if;
    if found_token.id is null or found_token.expires_at <= pg_catalog.now() then
        -- An expired token is spent all the same (deleted above).
        return pg_catalog.jsonb_build_object('error', refused);
    end if;
    select * into strict account from auth.users as u where u.id = found_token.user_id;
    if account.banned_until > pg_catalog.now() then
        return pg_catalog.jsonb_build_object('error', pg_catalog.jsonb_build_object(
            'status', 400, 'code', 'user_banned', 'message', 'User is banned'
        ));
    end if;
    update auth.users as u
    set email_confirmed_at = coalesce(u.email_confirmed_at, pg_catalog.now()),
        last_sign_in_at = pg_catalog.now(),
        updated_at = pg_catalog.now()
    where u.id = account.id;
    -- A confirmation, magic link or invite proves the address: the others of them are spent.
    if found_token.token_type <> 'recovery' then
        delete from auth.one_time_tokens as t
        where t.user_id = account.id and t.token_type in ('confirmation', 'magiclink', 'invite');
    end if;
    return pg_catalog.jsonb_build_object(
        'session', auth.issue_session(auth.start_session(account.id)),
        'token_type', found_token.token_type,
        'redirect_to', found_token.redirect_to
    );
end
$$;

comment on function auth.verify_email_token(text, text, text) is
'Exchange a link token (or an address and its 6-digit code) for a session, once; refusals are '
'returned as {"error": {status, code, message}} so the verification limits stay charged.';

grant execute on function auth.verify_email_token(text, text, text)
to anon, authenticated, service_role;
