-- Purpose: /admin/generate_link types email_change_current and email_change_new (issue 20):
-- the service role asks for a user's email change by address, as GoTrue's generate_link.
-- Affected: function auth.admin_request_email_change(text, text, text, integer, text) (new).
-- Each call answers the token of one of the two addresses (the current one or the new one) and
-- keeps the other's live token of the same change, so two calls give the two links of a
-- double-confirmed change; without one, the other address gets a token nobody knows yet (a
-- single link never completes the change). As in GoTrue, no rate limit and no mail.

-- DEFINER: the service role writes a user's token in the private auth.one_time_tokens.
create function auth.admin_request_email_change(
    kind text, email text, new_email text, expiry_seconds integer, redirect_to text default null
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    account auth.users;
    normalized text;
    address text;
    other text;
    issued text;
    token text := auth.base64url_encode(extensions.gen_random_bytes(32));
    code text := pg_catalog.lpad(
        (
            ('x' || pg_catalog.encode(extensions.gen_random_bytes(4), 'hex'))::bit(32)::bigint
            % 1000000
        )::text,
        6, '0'
    );
begin
    if kind not in ('email_change_current', 'email_change_new') then
        perform auth.fail(400, 'validation_failed', 'Invalid link type');
    end if;
    select * into account
    from auth.users as u
    where u.email = auth.check_email(admin_request_email_change.email)::extensions.citext;
    if account.id is null then
        perform auth.fail(404, 'user_not_found', 'User with this email not found');
    end if;
    if coalesce(pg_catalog.btrim(new_email), '') = '' then
        perform auth.fail(400, 'validation_failed', 'The new_email address is required');
    end if;
    normalized := auth.check_email(new_email);
    if exists (
        select from auth.users as u
        where u.email = normalized::extensions.citext and u.id <> account.id
    ) then
        perform auth.fail(
            422, 'email_exists', 'A user with this email address has already been registered'
        );
    end if;
    foreach other in array array['email_change_current', 'email_change_new'] loop
        if other <> kind and exists (
            select from auth.one_time_tokens as t
            where t.user_id = account.id and t.token_type = other
                and t.new_email = normalized::extensions.citext
                and t.expires_at > pg_catalog.now()
        ) then
            continue;
        end if;
        address := case when other = 'email_change_current' then account.email::text
            else normalized end;
        issued := case when other = kind then token
            else auth.base64url_encode(extensions.gen_random_bytes(32)) end;
        insert into auth.one_time_tokens as t (
            user_id, token_type, email, token_hash, code_hash, redirect_to, expires_at, new_email
        )
        values (
            account.id, other, address,
            extensions.digest(issued, 'sha256'),
            extensions.digest(
                pg_catalog.lower(address) || ':'
                || case when other = kind then code else issued end,
                'sha256'
            ),
            redirect_to,
            pg_catalog.now() + pg_catalog.make_interval(secs => expiry_seconds),
            normalized
        )
        on conflict on constraint one_time_tokens_user_id_token_type_key do update
        set email = excluded.email, token_hash = excluded.token_hash,
            code_hash = excluded.code_hash, redirect_to = excluded.redirect_to,
            created_at = excluded.created_at, expires_at = excluded.expires_at,
            new_email = excluded.new_email;
    end loop;
    return pg_catalog.jsonb_build_object(
        'token', token,
        'code', code,
        'user', auth.user_json(account) || pg_catalog.jsonb_build_object(
            'new_email', normalized, 'email_change_sent_at', auth.iso_time(pg_catalog.now())
        )
    );
end
$$;

comment on function auth.admin_request_email_change(text, text, text, integer, text) is
'The token of one address of an email change of the account with `email` '
'(/admin/generate_link, email_change_current or email_change_new); 404 user_not_found.';

grant execute on function auth.admin_request_email_change(text, text, text, integer, text)
to service_role;
