-- Purpose: checking a profile's time zone took ~44 ms. app_private.is_time_zone() read
-- pg_timezone_names, which opens and parses every zone file of the server, and the check
-- constraint runs it on every insert and every update of a profiles row (each sign-up, each
-- profile edit). Known names are now looked up in app_private.time_zone_names, filled here from
-- pg_timezone_names; a name it lacks (a zone a later tzdata release added, or a wrong one) is
-- still looked up in pg_timezone_names, so every answer is the same as before.
-- Affected: table app_private.time_zone_names (new; RLS on, no grants: read through the
-- function); function app_private.is_time_zone(text) (replaced: SECURITY DEFINER, so callers
-- need no right on the table; same signature, grants and search path).

create table app_private.time_zone_names (
    name text primary key
);

alter table app_private.time_zone_names enable row level security;

comment on table app_private.time_zone_names is
'IANA time zone names the server knew when it was filled (pg_timezone_names), for cheap checks.';

insert into app_private.time_zone_names (name)
select distinct z.name from pg_catalog.pg_timezone_names as z;

create or replace function app_private.is_time_zone(name text)
returns boolean
language plpgsql
immutable
security definer
set search_path = ''
as $$
begin
    -- IMMUTABLE for the check constraint: the zone database only gains names between releases.
    if exists (select from app_private.time_zone_names as t where t.name = is_time_zone.name) then
        return true;
    end if;
    return exists (
        select from pg_catalog.pg_timezone_names as z where z.name = is_time_zone.name
    );
end;
$$;

comment on function app_private.is_time_zone(text) is
'Whether name is an IANA time zone name the server knows (app_private.time_zone_names, then '
'pg_timezone_names); DEFINER: reads the table without granting it.';
