-- A profile's time zone: app_private.is_time_zone() answers from app_private.time_zone_names
-- for the names the server knew when it was filled, and from pg_timezone_names for the others.

begin;
set local search_path = public, extensions, tests;
select plan(8);

select ok(
    (select count(*) from app_private.time_zone_names)
    = (select count(distinct z.name) from pg_catalog.pg_timezone_names as z),
    'the table holds every zone name the server knows'
);
select ok(app_private.is_time_zone('Europe/Berlin'), 'a known zone is a time zone');
select ok(app_private.is_time_zone('Etc/GMT+5'), 'an Etc zone with an offset is one');
select ok(not app_private.is_time_zone('Nope/Zone'), 'an unknown name is not');
select ok(not app_private.is_time_zone('UTC+3'), 'a POSIX rule is not a zone name');
select ok(not app_private.is_time_zone('PST'), 'an abbreviation is not a zone name');

-- A zone missing from the table (as one a later tzdata release adds) is still accepted.
delete from app_private.time_zone_names
where name = 'Asia/Tokyo';
select ok(
    app_private.is_time_zone('Asia/Tokyo'),
    'a zone the table lacks is found in pg_timezone_names'
);

select ok(
    (
        select c.relrowsecurity from pg_catalog.pg_class as c
        where c.oid = 'app_private.time_zone_names'::regclass
    ),
    'RLS is on for the table (read only through the definer function)'
);

select finish();
rollback;
