-- Fixture for PostgREST v14 GeoJSON (issue 18, item 7): the coverage example of PostgREST's
-- PostGIS documentation, a view over it and a table without a geometry column.
create extension if not exists postgis;
grant usage on schema public to anon, authenticated, service_role;

create table public.coverage (
    id int primary key,
    name text unique,
    area geometry
);
insert into public.coverage (id, name, area) values
(1, 'small', st_geomfromtext('POLYGON((0 0, 1 0, 1 1, 0 1, 0 0))', 4326)),
(2, 'big', st_geomfromtext('POLYGON((0 0, 10 0, 10 10, 0 10, 0 0))', 4326));
grant select, insert, update, delete on public.coverage to anon;

create view public.small_coverage as
select
    id,
    name,
    area
from public.coverage
where st_area(area) < 5;
grant select on public.small_coverage to anon;

create table public.plain (id int primary key, name text);
insert into public.plain (id, name) values (1, 'no geometry');
grant select on public.plain to anon;

create function public.coverage_named(pattern text) returns setof public.coverage
language sql stable as $$ select * from public.coverage where name like pattern order by id $$;
