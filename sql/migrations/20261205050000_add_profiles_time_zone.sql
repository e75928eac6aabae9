-- Purpose: a player's own IANA time zone on the profile; it defines their streak day (issue 23).
-- Affected: function app_private.is_time_zone(text); column public.profiles.time_zone (update
-- grant to its owner, as the profile's other editable columns).
-- The zone in force is copied into each review log row, so a later move never rewrites the past.

create function app_private.is_time_zone(name text)
returns boolean
language sql
immutable
set search_path = ''
as $$
    -- IMMUTABLE for the check constraint: the zone database only gains names between releases.
    select exists (select 1 from pg_catalog.pg_timezone_names as z where z.name = is_time_zone.name)
$$;

comment on function app_private.is_time_zone(text) is
'Whether name is an IANA time zone name the server knows (pg_timezone_names).';

grant execute on function app_private.is_time_zone(text) to authenticated, service_role;

alter table public.profiles
add column time_zone text not null default 'UTC'
constraint profiles_time_zone_check check (app_private.is_time_zone(time_zone));

comment on column public.profiles.time_zone is
'IANA time zone (e.g. Europe/Berlin) that defines the player''s streak day; default UTC.';

grant update (time_zone) on table public.profiles to authenticated;
