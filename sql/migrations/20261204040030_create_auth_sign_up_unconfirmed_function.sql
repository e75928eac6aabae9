-- Purpose: sign-up when email confirmations are on ([auth.email] enable_confirmations), answered
-- as GoTrue answers it, so the answer does not tell whether an address is registered (issue 11,
-- finding 7).
-- Affected: function auth.sign_up_unconfirmed(text, text, jsonb) (new).
-- A new address gets an unconfirmed account and the bare user (no session; it signs in once
-- confirmed). A confirmed address gets a stand-in, as GoTrue's sanitizeUser builds one: a fresh
-- random id, created/updated/confirmation-sent times of now, no confirmation or sign-in times,
-- the request's data as user_metadata -- the account itself is not touched. The stand-in is
-- built by inserting a throwaway account and undoing it, so it carries what a new account gets
-- (app_metadata with the default app role) and costs the same work. An unconfirmed address gets
-- its account back unchanged, as GoTrue does (it would resend the confirmation; we have no
-- mailer). Every path pays the same bcrypt hash. Our users list no identities, so the stand-in
-- has exactly a new user's fields (GoTrue's has role "" and identities [], which tell it apart
-- from a new user; ours does not).
-- With confirmations off (the default) sign-up stays auth.sign_up: a taken address is 422
-- user_already_exists, as GoTrue answers under autoconfirm.

-- DEFINER: anon creates the account in a table no API role can touch.
create function auth.sign_up_unconfirmed(email text, password text, data jsonb default '{}')
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    normalized text := auth.check_email(email);
    address inet := app_private.client_address();
    metadata jsonb := coalesce(data, '{}');
    hashed text;
    account auth.users;
    stand_in jsonb;
begin
    perform auth.check_password(password);
    perform auth.check_metadata(metadata);
    if address is not null then
        perform auth.enforce_rate_limit('auth.sign_up', pg_catalog.host(address));
    end if;
    hashed := auth.hash_password(password);
    insert into auth.users (email, encrypted_password, raw_app_meta_data, raw_user_meta_data)
    values (normalized, hashed, '{"provider": "email", "providers": ["email"]}', metadata)
    on conflict do nothing
    returning * into account;
    if account.id is null then
        select * into account from auth.users as u where u.email = normalized::extensions.citext;
        if account.email_confirmed_at is not null then
            -- The stand-in is a real new account, inserted and undone: whatever a sign-up
            -- adds (the default app role, a profile) shows in it exactly as for a new user.
            begin
                insert into auth.users (
                    email, encrypted_password, raw_app_meta_data, raw_user_meta_data
                )
                values (
                    pg_catalog.gen_random_uuid()::text || '@stand-in.invalid', hashed,
                    '{"provider": "email", "providers": ["email"]}', metadata
                )
                returning * into account;
                stand_in := auth.user_json(account)
                    || pg_catalog.jsonb_build_object('email', normalized);
                raise exception using errcode = 'P0004';
            exception when assert_failure then
                return stand_in || pg_catalog.jsonb_build_object(
                    'confirmation_sent_at', auth.iso_time(pg_catalog.now())
                );
            end;
        end if;
    end if;
    return auth.user_json(account)
        || pg_catalog.jsonb_build_object('confirmation_sent_at', auth.iso_time(pg_catalog.now()));
end
$$;

comment on function auth.sign_up_unconfirmed(text, text, jsonb) is
'Sign-up with email confirmations on (GoTrue POST /signup): the unconfirmed user, or a stand-in '
'for a registered address; never a session.';

grant execute on function auth.sign_up_unconfirmed(text, text, jsonb)
to anon, authenticated, service_role;
