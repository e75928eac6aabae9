-- Fixture for PostgREST v14 parity of RPC, counts and transactions (issue 18, items 5-6),
-- modelled on the examples of PostgREST's documentation. Loaded into a fresh database.
grant usage on schema public to anon, authenticated, service_role;

create table public.projects (
    id integer primary key,
    name text not null,
    client_id integer default 1
);
insert into public.projects (id, name, client_id) values
(1, 'Windows 7', 1),
(2, 'Windows 10', 1),
(3, 'IOS', 2),
(4, 'OSX', 2),
(5, 'Orphan', null);
grant select, insert, update, delete on public.projects to anon;

create function public.add_them(a integer, b integer) returns integer
language sql immutable as $$ select a + b $$;

create function public.get_projects(min_id integer default 0) returns setof public.projects
language sql stable as $$ select * from public.projects where id > min_id order by id $$;

create function public.bump_project(project_id integer) returns setof public.projects
language sql as $$
    update public.projects set name = name || '!' where id = project_id returning *
$$;

create function public.rename_all(suffix text) returns integer
language sql as $$
    with changed as (update public.projects set name = name || suffix returning 1)
    select count(*)::integer from changed
$$;

-- Overloads: by parameter names (told apart) and by type only (ambiguous, as in PostgREST).
create function public.plus_one(a integer) returns integer
language sql immutable as $$ select a + 1 $$;
create function public.plus_one(a integer, b integer) returns integer
language sql immutable as $$ select a + b + 1 $$;
create function public.describe(x integer) returns text
language sql immutable as $$ select 'integer ' || x $$;
create function public.describe(x text) returns text
language sql immutable as $$ select 'text ' || x $$;
create function public.with_default(a integer, b integer default 10) returns integer
language sql immutable as $$ select a + b $$;

-- A single unnamed parameter: the whole body (json, jsonb, text, bytea); int and bool are not
-- callable that way.
create function public.echo_json(json) returns json
language sql immutable as $$ select $1 $$;
create function public.echo_jsonb(jsonb) returns jsonb
language sql immutable as $$ select $1 || '{"seen": true}' $$;
create function public.echo_text(text) returns text
language sql immutable as $$ select 'got ' || $1 $$;
create function public.echo_bytea(bytea) returns bytea
language sql immutable as $$ select $1 $$;
create function public.unnamed_int(integer) returns integer
language sql immutable as $$ select $1 $$;
create function public.unnamed_bool(boolean) returns boolean
language sql immutable as $$ select $1 $$;

-- CSV: values needing quotes, nulls, empty strings, json and timestamps.
create table public.csv_rows (
    id integer primary key,
    label text,
    tags jsonb,
    seen timestamp(0) without time zone
);
insert into public.csv_rows (id, label, tags, seen) values
(1, 'plain', '{"a": 1}', '2026-12-04 10:00:00'),
(2, 'comma, "quoted"', null, null),
(3, '', '[1, "two"]', '2026-01-01 00:00:00'),
(4, null, 'null', null);
grant select, insert on public.csv_rows to anon;
