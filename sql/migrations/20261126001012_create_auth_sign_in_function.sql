-- Purpose: email + password sign-in returning a new session (GoTrue grant_type=password).
-- Affected: function auth.sign_in_with_password(text, text).
-- Unknown email and wrong password give the same error after the same bcrypt work (a dummy
-- hash for unknown emails), so neither the answer nor its timing reveals whether an account
-- exists. The ban and confirmation are only revealed to callers who know the password.

-- DEFINER: anon checks the password hash and creates a session in private tables.
create function auth.sign_in_with_password(email text, password text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    normalized text := pg_catalog.lower(pg_catalog.btrim(email));
    account auth.users;
begin
    if coalesce(normalized, '') = '' or coalesce(password, '') = '' then
        perform auth.fail(400, 'validation_failed', 'missing email or password');
    end if;
    perform auth.check_sign_in_allowed(normalized);
    select * into account from auth.users as u where u.email = normalized::extensions.citext;
    if account.encrypted_password is null then
        perform extensions.crypt(
            password, '$2a$10$0hV7y1qS6c0W4wFvzSVQ.e7qE.LEX2xMFoPXBIThg1N8a1MufKuyO'
        );
        perform auth.fail(400, 'invalid_credentials', 'Invalid login credentials');
    end if;
    if extensions.crypt(password, account.encrypted_password) <> account.encrypted_password then
        perform auth.fail(400, 'invalid_credentials', 'Invalid login credentials');
    end if;
    if account.email_confirmed_at is null then
        perform auth.fail(400, 'email_not_confirmed', 'Email not confirmed');
    end if;
    if account.banned_until > pg_catalog.now() then
        perform auth.fail(400, 'user_banned', 'User is banned');
    end if;
    update auth.users as u
    set last_sign_in_at = pg_catalog.now(), updated_at = pg_catalog.now()
    where u.id = account.id;
    return auth.issue_session(auth.start_session(account.id));
end
$$;

comment on function auth.sign_in_with_password(text, text) is
'Verify email + password and return a new session; one generic error for bad credentials.';

grant execute on function auth.sign_in_with_password(text, text)
to anon, authenticated, service_role;
