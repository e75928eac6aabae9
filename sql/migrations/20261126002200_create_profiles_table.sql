-- Purpose: public player profiles, one per user, created with the user.
-- Affected: table public.profiles (grants, RLS, policies, indexes); trigger on auth.users that
-- creates the profile and grants the `player` app role.

create table public.profiles (
    id uuid primary key references auth.users (id) on delete cascade,
    username extensions.citext not null unique,
    display_name text not null,
    native_locale text not null default 'en',
    target_locales text[] not null default '{}',
    avatar_path text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint profiles_username_check check (username::text ~ '^[A-Za-z0-9_]{3,32}$'),
    constraint profiles_display_name_check check (
        pg_catalog.char_length(display_name) between 1 and 80
    ),
    constraint profiles_native_locale_check check (native_locale ~ '^[a-z]{2,3}(-[A-Z]{2})?$'),
    constraint profiles_target_locales_check check (
        pg_catalog.cardinality(target_locales) <= 10
        and pg_catalog.array_position(target_locales, null) is null
    ),
    constraint profiles_avatar_path_check check (
        avatar_path ~ '^[A-Za-z0-9_./-]{1,512}$' and avatar_path !~ '\.\.'
    )
);

comment on table public.profiles is
'Public face of each user: unique username, display name and languages. Created with the user.';
comment on column public.profiles.id is 'The user id (auth.users.id).';
comment on column public.profiles.username is
'Unique, case-insensitive handle: 3-32 letters, digits or underscores.';
comment on column public.profiles.display_name is 'Name shown to other players (1-80 characters).';
comment on column public.profiles.native_locale is 'The user''s own language, e.g. en or pt-BR.';
comment on column public.profiles.target_locales is 'Languages the user is learning (up to 10).';
comment on column public.profiles.avatar_path is 'Storage path of the avatar image, or null.';
comment on column public.profiles.created_at is 'Creation time.';
comment on column public.profiles.updated_at is 'Last change time.';

grant select on table public.profiles to authenticated;
grant update (username, display_name, native_locale, target_locales, avatar_path)
on table public.profiles to authenticated;
grant all on table public.profiles to service_role;

alter table public.profiles enable row level security;

create policy "Signed-in users read every profile"
on public.profiles for select to authenticated
using (true);

create policy "Users edit their own profile and user managers edit any"
on public.profiles for update to authenticated
using (id = (select auth.uid()) or (select app_private.has_permission('user.manage')))
with check (id = (select auth.uid()) or (select app_private.has_permission('user.manage')));

create trigger profiles_touch_updated_at
before update on public.profiles
for each row execute function app_private.touch_updated_at();

-- DEFINER: runs inside auth's user creation and writes public.profiles and app_private.user_roles.
create function app_private.create_profile_for_user()
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
        wanted := 'user_' || pg_catalog.left(pg_catalog.replace(new.id::text, '-', ''), 12);
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

create trigger users_create_profile
after insert on auth.users
for each row execute function app_private.create_profile_for_user();
