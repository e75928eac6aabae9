-- Purpose: the signed-in user's own account: read it and update it (GoTrue GET/PUT /user).
-- Affected: functions auth.get_user(), auth.update_user(jsonb), auth.merge_metadata(jsonb, jsonb).
-- A password change revokes the user's other sessions (as GoTrue does); an email change applies
-- at once (no mailer: autoconfirm).

create function auth.merge_metadata(current_value jsonb, changes jsonb)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
begin
    perform auth.check_metadata(changes);
    -- GoTrue semantics: keys are merged; a key set to null is removed.
    return auth.check_metadata((current_value || changes) - array(
        select key from pg_catalog.jsonb_each(changes) where value = 'null'::jsonb
    ));
end
$$;

comment on function auth.merge_metadata(jsonb, jsonb) is
'Merge metadata keys; a null value deletes the key (GoTrue''s metadata update).';

-- DEFINER: the signed-in user reads their own row of the private auth.users.
create function auth.get_user()
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
    select auth.user_json(auth.require_user())
$$;

comment on function auth.get_user() is 'The signed-in user (GoTrue GET /user).';

grant execute on function auth.get_user() to authenticated;

-- DEFINER: the signed-in user updates their own row of the private auth.users.
create function auth.update_user(attributes jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    account auth.users := auth.require_user();
    new_email text;
    new_password text := attributes ->> 'password';
begin
    if pg_catalog.jsonb_typeof(attributes) is distinct from 'object' then
        perform auth.fail(400, 'validation_failed', 'Request body must be a JSON object');
    end if;
    if coalesce(attributes ->> 'phone', '') <> '' then
        perform auth.fail(422, 'phone_provider_disabled', 'Phone logins are disabled');
    end if;
    if new_password is not null then
        perform auth.check_password(new_password);
        if extensions.crypt(new_password, account.encrypted_password)
            = account.encrypted_password
        then
            perform auth.fail(
                422, 'same_password', 'New password should be different from the old password.'
            );
        end if;
        account.encrypted_password := auth.hash_password(new_password);
        update auth.sessions as s
        set revoked_at = pg_catalog.now(), revoked_reason = 'password_change'
        where
            s.user_id = account.id
            and s.revoked_at is null
            and s.id is distinct from (auth.jwt() ->> 'session_id')::uuid;
    end if;
    if attributes ? 'data' and attributes -> 'data' <> 'null'::jsonb then
        account.raw_user_meta_data := auth.merge_metadata(
            account.raw_user_meta_data, attributes -> 'data'
        );
    end if;
    if coalesce(attributes ->> 'email', '') <> '' then
        new_email := auth.check_email(attributes ->> 'email');
        if exists (
            select from auth.users as u
            where u.email = new_email::extensions.citext and u.id <> account.id
        ) then
            perform auth.fail(
                422, 'email_exists', 'A user with this email address has already been registered'
            );
        end if;
        account.email := new_email;
    end if;
    update auth.users as u
    set
        email = account.email,
        encrypted_password = account.encrypted_password,
        raw_user_meta_data = account.raw_user_meta_data,
        updated_at = pg_catalog.now()
    where u.id = account.id
    returning * into account;
    return auth.user_json(account);
end
$$;

comment on function auth.update_user(jsonb) is
'Update the signed-in user''s password, email and/or metadata (data); returns the user.';

grant execute on function auth.update_user(jsonb) to authenticated;
