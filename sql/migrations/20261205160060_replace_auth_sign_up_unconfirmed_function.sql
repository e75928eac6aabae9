-- Purpose: the stand-in user of sign-up with confirmations on names the requested address in
-- its `email` identity too, now that users list identities (20261205160050), so it still looks
-- exactly like a new user's answer.
-- Affected: function auth.sign_up_unconfirmed(text, text, jsonb) (replaced whole; only the
-- stand-in's identities changed).

-- DEFINER: anon creates the account in a table no API role can touch.
create or replace function auth.sign_up_unconfirmed(
    email text, password text, data jsonb default '{}'
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
                stand_in := auth.user_json(account);
                stand_in := stand_in || pg_catalog.jsonb_build_object(
                    'email', normalized,
                    'identities', (
                        select coalesce(pg_catalog.jsonb_agg(
                            i.value || pg_catalog.jsonb_build_object(
                                'email', normalized,
                                'identity_data', (i.value -> 'identity_data')
                                || pg_catalog.jsonb_build_object('email', normalized)
                            )
                        ), '[]')
                        from pg_catalog.jsonb_array_elements(stand_in -> 'identities') as i
                    )
                );
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
