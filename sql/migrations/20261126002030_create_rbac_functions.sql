-- Purpose: the RBAC functions policies, auth tokens and the admin API rely on.
-- Affected: functions app_private.has_permission(text), app_private.user_app_roles(uuid),
-- app_private.set_user_app_roles(uuid, text[]).

-- DEFINER: API roles cannot read the RBAC tables, yet every policy asks for the caller's rights.
create function app_private.has_permission(permission text)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
    select auth.role() = 'service_role' or exists (
        select
        from app_private.user_roles as ur
        inner join app_private.role_permissions as rp on ur.role = rp.role
        where ur.user_id = auth.uid() and rp.permission = has_permission.permission
    )
$$;

comment on function app_private.has_permission(text) is
'Whether the current user holds `permission` through an app role (service role: always).';

grant execute on function app_private.has_permission(text) to anon, authenticated, service_role;

-- DEFINER: auth builds the token's app_metadata.roles from tables API roles cannot read.
create function app_private.user_app_roles(user_id uuid)
returns text[]
language sql
stable
security definer
set search_path = ''
as $$
    select coalesce(pg_catalog.array_agg(ur.role order by ur.role), '{}')
    from app_private.user_roles as ur
    where ur.user_id = user_app_roles.user_id
$$;

comment on function app_private.user_app_roles(uuid) is
'The app roles of a user, sorted (empty when none).';

grant execute on function app_private.user_app_roles(uuid) to service_role;

-- DEFINER: writes the private user_roles table on behalf of admins and the auth admin API.
create function app_private.set_user_app_roles(user_id uuid, roles text[])
returns text[]
language plpgsql
security definer
set search_path = ''
as $$
declare
    unknown text;
begin
    -- Trusted server code (no request claims, e.g. seeds or auth internals) may always call it.
    if auth.jwt() is not null and not app_private.has_permission('user.manage') then
        raise sqlstate '42501' using message = 'user.manage permission required to set app roles';
    end if;
    select r.name into unknown
    from pg_catalog.unnest(roles) as r (name)
    where not exists (select from app_private.app_roles as a where a.name = r.name)
    limit 1;
    if unknown is not null or pg_catalog.array_position(roles, null) is not null then
        raise sqlstate '22023' using
            message = pg_catalog.format('unknown app role: %s', coalesce(unknown, 'null'));
    end if;
    if not exists (select from auth.users as u where u.id = set_user_app_roles.user_id) then
        raise sqlstate 'PT404' using message = 'user not found';
    end if;
    delete from app_private.user_roles as ur
    where ur.user_id = set_user_app_roles.user_id and ur.role <> all (roles);
    insert into app_private.user_roles (user_id, role)
    select set_user_app_roles.user_id, r.name
    from pg_catalog.unnest(roles) as r (name)
    on conflict do nothing;
    return app_private.user_app_roles(user_id);
end;
$$;

comment on function app_private.set_user_app_roles(uuid, text[]) is
'Replace a user''s app roles (needs user.manage); returns the new sorted roles.';

grant execute on function app_private.set_user_app_roles(uuid, text[]) to authenticated,
service_role;
