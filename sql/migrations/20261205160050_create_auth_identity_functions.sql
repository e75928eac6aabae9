-- Purpose: identities in the API: the user object's `identities` array as GoTrue shapes it,
-- GET /user/identities and DELETE /user/identities/{id} (unlinking, never the last one).
-- Affected: functions auth.identity_json(auth.identities), auth.identities_json(uuid),
-- auth.user_json(auth.users) (replaced whole: identities from auth.identities),
-- auth.get_user_identities(), auth.unlink_identity(uuid).

create function auth.identity_json(identity auth.identities)
returns jsonb
language sql
stable
set search_path = ''
as $$
    select pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
        'identity_id', identity.id,
        'id', identity.provider_id,
        'user_id', identity.user_id,
        'identity_data', identity.identity_data,
        'provider', identity.provider,
        'last_sign_in_at', auth.iso_time(identity.last_sign_in_at),
        'created_at', auth.iso_time(identity.created_at),
        'updated_at', auth.iso_time(identity.updated_at),
        'email', identity.identity_data ->> 'email'
    ))
$$;

comment on function auth.identity_json(auth.identities) is
'One identity as GoTrue returns it (identity_id, id = provider id, provider, identity_data...).';

create function auth.identities_json(user_id uuid)
returns jsonb
language sql
stable
set search_path = ''
as $$
    select coalesce(
        pg_catalog.jsonb_agg(auth.identity_json(i) order by i.created_at, i.id), '[]'::jsonb
    )
    from auth.identities as i
    where i.user_id = identities_json.user_id
$$;

comment on function auth.identities_json(uuid) is
'The user''s identities, oldest first, as the user object''s `identities` array.';

create or replace function auth.user_json(account auth.users)
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
        'email', coalesce(account.email::text, ''),
        'email_confirmed_at', auth.iso_time(account.email_confirmed_at),
        'phone', '',
        'confirmed_at', auth.iso_time(account.email_confirmed_at),
        'last_sign_in_at', auth.iso_time(account.last_sign_in_at),
        'banned_until', auth.iso_time(account.banned_until),
        'app_metadata', auth.app_metadata(account),
        'user_metadata', account.raw_user_meta_data,
        'identities', auth.identities_json(account.id),
        'created_at', auth.iso_time(account.created_at),
        'updated_at', auth.iso_time(account.updated_at),
        'is_anonymous', account.is_anonymous
    );
begin
    -- Unset optional times are omitted, as GoTrue does.
    return result - array(
        select key from pg_catalog.jsonb_each(result) where value = 'null'::jsonb
    );
end
$$;

-- DEFINER: the signed-in user reads their own rows of the private auth.identities.
create function auth.get_user_identities()
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
    account auth.users := auth.require_user();
begin
    return pg_catalog.jsonb_build_object('identities', auth.identities_json(account.id));
end
$$;

comment on function auth.get_user_identities() is
'The signed-in user''s identities (GET /user/identities).';

grant execute on function auth.get_user_identities() to authenticated;

-- DEFINER: the signed-in user deletes one of their own rows of the private auth.identities.
create function auth.unlink_identity(identity_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    account auth.users := auth.require_user();
    remaining integer;
begin
    perform from auth.identities as i
    where i.id = unlink_identity.identity_id and i.user_id = account.id
    for update;
    if not found then
        perform auth.fail(404, 'identity_not_found', 'Identity doesn''t exist');
    end if;
    select pg_catalog.count(*)::integer into remaining
    from auth.identities as i
    where i.user_id = account.id;
    if remaining <= 1 then
        perform auth.fail(
            422, 'single_identity_not_deletable', 'User must have at least 1 identity after unlinking'
        );
    end if;
    delete from auth.identities as i where i.id = unlink_identity.identity_id;
end
$$;

comment on function auth.unlink_identity(uuid) is
'Unlink one of the signed-in user''s identities, never the last (DELETE /user/identities/{id}).';

grant execute on function auth.unlink_identity(uuid) to authenticated;
