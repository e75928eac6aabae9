-- Purpose: derive the fallback username from a hash of the whole user id.
-- Affected: function app_private.create_profile_for_user() (replaced).
-- The first version used the id's first 12 hex digits, so ids sharing a prefix (fixed test and
-- seed ids) collided; 16 hex digits of md5(id) spread over the whole id.

-- DEFINER: runs inside auth's user creation and writes public.profiles and app_private.user_roles.
create or replace function app_private.create_profile_for_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
    wanted text := new.raw_user_meta_data ->> 'username';
    locale text := new.raw_user_meta_data ->> 'native_locale';
begin
    if wanted is null or wanted !~ '^[A-Za-z0-9_]{3,32}$'
        or exists (select from public.profiles as p where p.username = wanted::extensions.citext)
    then
        wanted := 'user_' || pg_catalog.left(pg_catalog.md5(new.id::text), 16);
    end if;
    insert into public.profiles (id, username, display_name, native_locale)
    values (
        new.id,
        wanted,
        pg_catalog.left(coalesce(
            nullif(pg_catalog.btrim(new.raw_user_meta_data ->> 'display_name'), ''),
            nullif(pg_catalog.split_part(new.email::text, '@', 1), ''),
            wanted
        ), 80),
        case when locale ~ '^[a-z]{2,3}(-[A-Z]{2})?$' then locale else 'en' end
    );
    insert into app_private.user_roles (user_id, role) values (new.id, 'player');
    return null;
end;
$$;

comment on function app_private.create_profile_for_user() is
'Trigger: give each new user a profile (username from metadata when valid and free) and the '
'player role.';
