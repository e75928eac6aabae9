-- Purpose: email + password sign-up, confirmed at once (no mailer: autoconfirm, as local
-- Supabase does).
-- Affected: function auth.sign_up(text, text, jsonb).
-- Sign-ups are rate limited per client address ('auth.sign_up', see auth.rate_limit_figures);
-- only successful ones are counted (a refused sign-up rolls back).

-- DEFINER: anon creates the account and its session in tables no API role can touch.
create function auth.sign_up(email text, password text, data jsonb default '{}')
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    normalized text := auth.check_email(email);
    address inet := app_private.client_address();
    user_id uuid;
begin
    perform auth.check_password(password);
    perform auth.check_metadata(coalesce(data, '{}'));
    if address is not null then
        perform auth.enforce_rate_limit('auth.sign_up', pg_catalog.host(address));
    end if;
    insert into auth.users (
        email, encrypted_password, email_confirmed_at, last_sign_in_at,
        raw_app_meta_data, raw_user_meta_data
    )
    values (
        normalized, auth.hash_password(password), pg_catalog.now(), pg_catalog.now(),
        '{"provider": "email", "providers": ["email"]}', coalesce(data, '{}')
    )
    on conflict do nothing
    returning id into user_id;
    if user_id is null then
        perform auth.fail(422, 'user_already_exists', 'User already registered');
    end if;
    return auth.issue_session(auth.start_session(user_id));
end
$$;

comment on function auth.sign_up(text, text, jsonb) is
'Create a confirmed account and return its first session (GoTrue POST /signup).';

grant execute on function auth.sign_up(text, text, jsonb) to anon, authenticated, service_role;
