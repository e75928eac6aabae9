-- Purpose: the service role's user administration (GoTrue /admin/users).
-- Affected: functions auth.admin_create_user(jsonb), auth.admin_list_users(integer, integer),
-- auth.admin_get_user(uuid), auth.admin_update_user(uuid, jsonb), auth.admin_delete_user(uuid).
-- EXECUTE for service_role only.

-- DEFINER: the service role manages accounts in the private auth.users.
create function auth.admin_create_user(attributes jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    account auth.users;
begin
    if pg_catalog.jsonb_typeof(attributes) is distinct from 'object' then
        perform auth.fail(400, 'validation_failed', 'Request body must be a JSON object');
    end if;
    insert into auth.users (email, raw_app_meta_data)
    values (
        auth.check_email(attributes ->> 'email'),
        '{"provider": "email", "providers": ["email"]}'
    )
    on conflict do nothing
    returning * into account;
    if account.id is null then
        perform auth.fail(
            422, 'email_exists', 'A user with this email address has already been registered'
        );
    end if;
    account := auth.admin_apply_attributes(account, attributes);
    update auth.users as u
    set
        encrypted_password = account.encrypted_password,
        email_confirmed_at = account.email_confirmed_at,
        raw_user_meta_data = account.raw_user_meta_data,
        raw_app_meta_data = account.raw_app_meta_data,
        banned_until = account.banned_until
    where u.id = account.id
    returning * into account;
    return auth.user_json(account);
end
$$;

comment on function auth.admin_create_user(jsonb) is
'Create a user from GoTrue''s admin attributes (email, password, email_confirm, metadata, '
'ban_duration); returns the user.';

grant execute on function auth.admin_create_user(jsonb) to service_role;

-- DEFINER: the service role reads the private auth.users.
create function auth.admin_list_users(page integer default 1, per_page integer default 50)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
    if page is null or page < 1 or per_page is null or per_page not between 1 and 1000 then
        perform auth.fail(
            400, 'validation_failed', 'page must be >= 1 and per_page between 1 and 1000'
        );
    end if;
    return pg_catalog.jsonb_build_object(
        'users', coalesce((
            select pg_catalog.jsonb_agg(auth.user_json(u) order by u.created_at, u.id)
            from (
                select * from auth.users as a
                order by a.created_at, a.id
                limit per_page offset (page - 1)::bigint * per_page
            ) as u
        ), '[]'),
        'aud', 'authenticated',
        'total', (select pg_catalog.count(*) from auth.users)
    );
end
$$;

comment on function auth.admin_list_users(integer, integer) is
'One page of users, oldest first: {"users": [...], "aud": "authenticated", "total": n}.';

grant execute on function auth.admin_list_users(integer, integer) to service_role;

-- DEFINER: the service role reads the private auth.users.
create function auth.admin_get_user(user_id uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
    account auth.users;
begin
    select * into account from auth.users as u where u.id = admin_get_user.user_id;
    if not found then
        perform auth.fail(404, 'user_not_found', 'User not found');
    end if;
    return auth.user_json(account);
end
$$;

comment on function auth.admin_get_user(uuid) is 'The user with this id; 404 user_not_found.';

grant execute on function auth.admin_get_user(uuid) to service_role;

-- DEFINER: the service role changes accounts in the private auth.users.
create function auth.admin_update_user(user_id uuid, attributes jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    account auth.users;
    new_email text;
begin
    if pg_catalog.jsonb_typeof(attributes) is distinct from 'object' then
        perform auth.fail(400, 'validation_failed', 'Request body must be a JSON object');
    end if;
    select * into account from auth.users as u where u.id = admin_update_user.user_id for update;
    if not found then
        perform auth.fail(404, 'user_not_found', 'User not found');
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
    account := auth.admin_apply_attributes(account, attributes);
    update auth.users as u
    set
        email = account.email,
        encrypted_password = account.encrypted_password,
        email_confirmed_at = account.email_confirmed_at,
        raw_user_meta_data = account.raw_user_meta_data,
        raw_app_meta_data = account.raw_app_meta_data,
        banned_until = account.banned_until,
        updated_at = account.updated_at
    where u.id = account.id
    returning * into account;
    return auth.user_json(account);
end
$$;

comment on function auth.admin_update_user(uuid, jsonb) is
'Update a user (email, password, email_confirm, metadata incl. app_metadata.roles, '
'ban_duration); returns the user; 404 user_not_found.';

grant execute on function auth.admin_update_user(uuid, jsonb) to service_role;

-- DEFINER: the service role deletes accounts (and by cascade their sessions).
create function auth.admin_delete_user(user_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    delete from auth.users as u where u.id = admin_delete_user.user_id;
    if not found then
        perform auth.fail(404, 'user_not_found', 'User not found');
    end if;
end
$$;

comment on function auth.admin_delete_user(uuid) is
'Delete a user and their sessions; 404 user_not_found.';

grant execute on function auth.admin_delete_user(uuid) to service_role;
