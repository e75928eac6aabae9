-- Purpose: app_metadata keeps what the admin API puts in it (issue 20, GoTrue parity): any key
-- is data; in `roles`, the names of known app roles become RBAC grants and unknown names are
-- kept as data instead of refusing the request.
-- Affected: functions auth.app_metadata(auth.users), auth.admin_apply_attributes(auth.users,
-- jsonb) (replaced whole).
-- Only app_private.user_roles grants rights (has_permission); the unknown names are stored in
-- raw_app_meta_data.roles and listed after the RBAC roles, so a token's roles never grant more
-- than RBAC does. Setting roles replaces both parts.

create or replace function auth.app_metadata(account auth.users)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    granted text[] := coalesce(app_private.user_app_roles(account.id), '{}'::text[]);
    kept text[] := array(
        select r.value
        from pg_catalog.jsonb_array_elements_text(
            case pg_catalog.jsonb_typeof(account.raw_app_meta_data -> 'roles')
                when 'array' then account.raw_app_meta_data -> 'roles'
                else '[]'::jsonb
            end
        ) as r (value)
        where r.value <> all (granted)
        order by r.value
    );
begin
    return account.raw_app_meta_data
        || pg_catalog.jsonb_build_object(
            'provider', coalesce(account.raw_app_meta_data ->> 'provider', 'email'),
            'providers', coalesce(account.raw_app_meta_data -> 'providers', '["email"]'),
            'roles', pg_catalog.to_jsonb(granted || kept)
        );
end
$$;

comment on function auth.app_metadata(auth.users) is
'Server-controlled metadata as stored, plus provider(s) and roles: the RBAC roles of '
'app_private.user_app_roles, then any unknown role names kept as data.';

create or replace function auth.admin_apply_attributes(account auth.users, attributes jsonb)
returns auth.users
language plpgsql
volatile
set search_path = ''
as $$
declare
    roles jsonb := attributes -> 'app_metadata' -> 'roles';
    unknown jsonb;
begin
    if attributes ? 'password' and attributes ->> 'password' is not null then
        perform auth.check_password(attributes ->> 'password');
        account.encrypted_password := auth.hash_password(attributes ->> 'password');
    end if;
    if (attributes ->> 'email_confirm')::boolean and account.email_confirmed_at is null then
        account.email_confirmed_at := pg_catalog.now();
    end if;
    if attributes -> 'user_metadata' is not null and attributes -> 'user_metadata' <> 'null' then
        account.raw_user_meta_data := auth.merge_metadata(
            account.raw_user_meta_data, attributes -> 'user_metadata'
        );
    end if;
    if attributes -> 'app_metadata' is not null and attributes -> 'app_metadata' <> 'null' then
        account.raw_app_meta_data := auth.merge_metadata(
            account.raw_app_meta_data, (attributes -> 'app_metadata') - 'roles'
        );
    end if;
    if roles is not null and roles <> 'null' then
        if pg_catalog.jsonb_typeof(roles) <> 'array' or exists (
            select from pg_catalog.jsonb_array_elements(roles) as r (value)
            where pg_catalog.jsonb_typeof(r.value) <> 'string'
        ) then
            perform auth.fail(
                400, 'validation_failed', 'app_metadata.roles must be a list of strings'
            );
        end if;
        perform app_private.set_user_app_roles(
            account.id,
            array(
                select r.value from pg_catalog.jsonb_array_elements_text(roles) as r (value)
                where exists (select from app_private.app_roles as a where a.name = r.value)
            )
        );
        unknown := coalesce((
            select pg_catalog.jsonb_agg(distinct r.value)
            from pg_catalog.jsonb_array_elements_text(roles) as r (value)
            where not exists (select from app_private.app_roles as a where a.name = r.value)
        ), '[]');
        account.raw_app_meta_data := case
            when unknown = '[]' then account.raw_app_meta_data - 'roles'
            else account.raw_app_meta_data || pg_catalog.jsonb_build_object('roles', unknown)
        end;
    end if;
    if attributes ? 'ban_duration' then
        account.banned_until := pg_catalog.now()
            + auth.parse_ban_duration(attributes ->> 'ban_duration');
        if account.banned_until is not null then
            update auth.sessions as s
            set revoked_at = pg_catalog.now(), revoked_reason = 'banned'
            where s.user_id = account.id and s.revoked_at is null;
        end if;
    end if;
    account.updated_at := pg_catalog.now();
    return account;
end
$$;

comment on function auth.admin_apply_attributes(auth.users, jsonb) is
'Apply admin attributes (password, email_confirm, user_metadata, app_metadata with any keys; '
'its roles: known app roles to RBAC, unknown names kept as data; ban_duration) to a stored '
'account; a ban revokes its sessions.';
