-- Purpose: the service role's view of a user's MFA factors (issue 20): GoTrue's
-- GET /admin/users/{id}/factors, PUT and DELETE /admin/users/{id}/factors/{factor_id}.
-- Affected: functions auth.admin_list_factors(uuid), auth.admin_update_factor(uuid, uuid, jsonb),
-- auth.admin_delete_factor(uuid, uuid). EXECUTE for service_role only.

-- DEFINER: the service role reads the private auth.mfa_factors.
create function auth.admin_list_factors(user_id uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
    if not exists (select from auth.users as u where u.id = admin_list_factors.user_id) then
        perform auth.fail(404, 'user_not_found', 'User not found');
    end if;
    return auth.factors_json(admin_list_factors.user_id);
end
$$;

comment on function auth.admin_list_factors(uuid) is
'A user''s factors (GET /admin/users/{id}/factors); 404 user_not_found.';

grant execute on function auth.admin_list_factors(uuid) to service_role;

-- DEFINER: the service role renames a factor in the private auth.mfa_factors.
create function auth.admin_update_factor(user_id uuid, factor_id uuid, attributes jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    factor auth.mfa_factors;
    name text := pg_catalog.btrim(attributes ->> 'friendly_name');
begin
    select * into factor
    from auth.mfa_factors as f
    where f.id = admin_update_factor.factor_id and f.user_id = admin_update_factor.user_id
    for update;
    if factor.id is null then
        perform auth.fail(404, 'mfa_factor_not_found', 'Factor not found');
    end if;
    if name is not null then
        if pg_catalog.length(name) > 255 then
            perform auth.fail(
                400, 'validation_failed', 'friendly_name must be at most 255 characters'
            );
        end if;
        if name <> '' and exists (
            select from auth.mfa_factors as f
            where f.user_id = factor.user_id and f.friendly_name = name and f.id <> factor.id
        ) then
            perform auth.fail(
                422, 'mfa_factor_name_conflict',
                pg_catalog.format(
                    'A factor with the friendly name "%s" for this user already exists', name
                )
            );
        end if;
        update auth.mfa_factors as f
        set friendly_name = name, updated_at = pg_catalog.now()
        where f.id = factor.id
        returning * into factor;
    end if;
    return auth.factor_json(factor);
end
$$;

comment on function auth.admin_update_factor(uuid, uuid, jsonb) is
'Rename a user''s factor (PUT /admin/users/{id}/factors/{factor_id}); 404 mfa_factor_not_found.';

grant execute on function auth.admin_update_factor(uuid, uuid, jsonb) to service_role;

-- DEFINER: the service role deletes a factor from the private auth.mfa_factors.
create function auth.admin_delete_factor(user_id uuid, factor_id uuid)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    factor auth.mfa_factors;
begin
    delete from auth.mfa_factors as f
    where f.id = admin_delete_factor.factor_id and f.user_id = admin_delete_factor.user_id
    returning * into factor;
    if factor.id is null then
        perform auth.fail(404, 'mfa_factor_not_found', 'Factor not found');
    end if;
    return auth.factor_json(factor);
end
$$;

comment on function auth.admin_delete_factor(uuid, uuid) is
'Delete a user''s factor (DELETE /admin/users/{id}/factors/{factor_id}), e.g. a lost phone; '
'returns it; 404 mfa_factor_not_found.';

grant execute on function auth.admin_delete_factor(uuid, uuid) to service_role;
