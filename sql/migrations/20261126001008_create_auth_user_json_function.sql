-- Purpose: the user object of Supabase Auth's API, built from an auth.users row.
-- Affected: functions auth.app_metadata(auth.users), auth.user_json(auth.users).
-- plpgsql so that app_private.user_app_roles (a later migration's) resolves at run time.

create function auth.app_metadata(account auth.users)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
    return account.raw_app_meta_data
        || pg_catalog.jsonb_build_object(
            'provider', coalesce(account.raw_app_meta_data ->> 'provider', 'email'),
            'providers', coalesce(account.raw_app_meta_data -> 'providers', '["email"]'),
            'roles', pg_catalog.to_jsonb(
                coalesce(app_private.user_app_roles(account.id), '{}'::text[])
            )
        );
end
$$;

comment on function auth.app_metadata(auth.users) is
'Server-controlled metadata: provider(s) plus the RBAC roles of app_private.user_app_roles.';

create function auth.user_json(account auth.users)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    result jsonb := pg_catalog.jsonb_build_object(
        'id', account.id,
        'aud', 'authenticated',
        'role', 'authenticated',
        'email', account.email,
        'email_confirmed_at', auth.iso_time(account.email_confirmed_at),
        'phone', '',
        'confirmed_at', auth.iso_time(account.email_confirmed_at),
        'last_sign_in_at', auth.iso_time(account.last_sign_in_at),
        'banned_until', auth.iso_time(account.banned_until),
        'app_metadata', auth.app_metadata(account),
        'user_metadata', account.raw_user_meta_data,
        'identities', '[]'::jsonb,
        'created_at', auth.iso_time(account.created_at),
        'updated_at', auth.iso_time(account.updated_at),
        'is_anonymous', false
    );
begin
    -- Unset optional times are omitted, as GoTrue does.
    return result - array(
        select key from pg_catalog.jsonb_each(result) where value = 'null'::jsonb
    );
end
$$;

comment on function auth.user_json(auth.users) is
'The user as GoTrue returns it (id, aud, role, email, ..., app_metadata, user_metadata).';
