-- Fixture schema for the REST server's integration tests (created in a fresh database).
create schema extra;
grant usage on schema public, extra to anon, authenticated, service_role;

create table public.directors (
    id integer primary key,
    name text not null
);
create table public.films (
    id integer primary key,
    director_id integer references public.directors (id),
    title text not null,
    year integer,
    rating numeric,
    tags text[] not null default '{}',
    meta jsonb,
    summary text,
    runtime int4range,
    secret_note text
);
comment on table public.films is 'Films we know';
comment on column public.films.title is 'The title';
create table public.actors (
    id integer primary key,
    name text not null
);
create table public.roles (
    film_id integer references public.films (id),
    actor_id integer references public.actors (id),
    character text,
    primary key (film_id, actor_id)
);
create table public.addresses (
    id integer primary key,
    city text
);
create table public.orders (
    id integer primary key,
    name text,
    billing_address_id integer constraint orders_billing_fkey references public.addresses (id),
    shipping_address_id integer constraint orders_shipping_fkey references public.addresses (id)
);
create table public.countries (
    id serial primary key,
    name text not null,
    code text unique,
    population bigint default 0,
    created_at timestamptz not null default now()
);
create table public.notes (
    id serial primary key,
    owner text not null default (current_setting('request.jwt.claims', true)::jsonb ->> 'sub'),
    body text
);
alter table public.notes enable row level security;
create policy "owners read their notes" on public.notes for select to authenticated
using (owner = (current_setting('request.jwt.claims', true)::jsonb ->> 'sub'));
create policy "owners write their notes" on public.notes for insert to authenticated
with check (owner = (current_setting('request.jwt.claims', true)::jsonb ->> 'sub'));
create table public.items (
    id serial primary key,
    name text not null,
    qty integer not null default 1 check (qty >= 0)
);
create table extra.gadgets (
    id integer primary key,
    label text
);
create view public.film_titles as select
    id,
    title,
    director_id
from public.films;

create function public.add(a integer, b integer) returns integer
language sql immutable as $$ select a + b $$;
create function public.films_after(after_year integer) returns setof public.films
language sql stable as $$ select * from public.films where year > after_year order by id $$;
create function public.echo(jsonb) returns jsonb language sql immutable as $$ select $1 $$;
create function public.numbers() returns setof integer
language sql immutable as $$ select generate_series(1, 5) $$;
create function public.bump_items() returns void
language sql volatile as $$ update public.items set qty = qty + 1 $$;
create function public.with_headers() returns text language plpgsql as $$
begin
    perform set_config('response.headers', '[{"X-Custom": "yes"}, {"Cache-Control": "no-store"}]', true);
    perform set_config('response.status', '202', true);
    return 'ok';
end $$;
create function public.payment_required() returns void language plpgsql as $$
begin
    raise sqlstate 'PT402' using message = 'Pay up', detail = 'd', hint = 'h';
end $$;
create function public.full_control() returns void language plpgsql as $$
begin
    raise sqlstate 'PGRST' using
        message = '{"code":"RATE1","message":"Too many","details":"slow down","hint":"wait"}',
        detail = '{"status":429,"headers":{"Retry-After":"3"}}';
end $$;
create function public.whoami() returns jsonb language sql stable as $$
    select jsonb_build_object(
        'role', current_user,
        'claims', current_setting('request.jwt.claims', true)::jsonb,
        'method', current_setting('request.method', true),
        'path', current_setting('request.path', true),
        'header', current_setting('request.headers', true)::jsonb ->> 'x-probe',
        'cookies', current_setting('request.cookies', true)::jsonb
    ) $$;
create function public.sum_all(variadic nums integer[]) returns integer
language sql immutable as $$ select sum(n)::integer from unnest(nums) as n $$;
create function public.director_of(f public.films) returns setof public.directors rows 1
language sql stable as $$ select * from public.directors where id = f.director_id $$;

grant select on all tables in schema public to anon, authenticated;
grant insert, update, delete on public.films, public.directors, public.actors, public.roles,
public.countries, public.items, public.orders, public.addresses to anon, authenticated;
grant select, insert on public.notes to authenticated;
grant usage on all sequences in schema public to anon, authenticated;
revoke select on public.notes from anon;
grant select on extra.gadgets to anon;
grant execute on all functions in schema public to anon, authenticated;
revoke execute on function public.bump_items() from anon;

insert into public.directors values (1, 'Akira Kurosawa'), (2, 'Agnes Varda'), (3, 'Nobody');
insert into public.films values
(
    1, 1, 'Rashomon', 1950, 8.2, '{drama,mystery}', '{"lang":"ja","awards":{"count":3}}',
    'A samurai killed in a grove', '[88,89)', 'x'
),
(
    2, 1, 'Seven Samurai', 1954, 8.6, '{action,drama}', '{"lang":"ja","awards":{"count":5}}',
    'Farmers hire samurai to defend their village', '[207,208)', 'x'
),
(
    3, 2, 'Cleo from 5 to 7', 1962, 7.8, '{drama}', '{"lang":"fr"}',
    'A singer waits for medical results in Paris', '[90,91)', null
),
(
    4, 2, 'The Gleaners', 2000, null, '{documentary}', null,
    'People who glean from fields and cities', null, null
),
(5, null, 'Untitled', null, null, '{}', null, null, null, null);
insert into public.actors values (1, 'Toshiro Mifune'), (2, 'Takashi Shimura'),
(3, 'Corinne Marchand');
insert into public.roles values (1, 1, 'Bandit'), (1, 2, 'Woodcutter'), (2, 1, 'Kikuchiyo'),
(2, 2, 'Kambei'), (3, 3, 'Cleo');
insert into public.addresses values (1, 'Lyon'), (2, 'Nice');
insert into public.orders values (1, 'first', 1, 2), (2, 'second', 2, 2);
insert into public.countries (name, code, population) values ('France', 'FR', 68),
('Japan', 'JP', 125), ('Chile', 'CL', 19);
insert into public.items (name, qty) values ('rope', 2), ('torch', 5);
insert into extra.gadgets values (1, 'spyglass');

create function extra.pre_request() returns void language plpgsql as $$
begin
    if current_setting('request.headers', true)::jsonb ? 'x-block' then
        raise sqlstate 'PT403' using message = 'Blocked by the pre-request hook';
    end if;
    perform set_config('response.headers', '[{"X-Pre-Request": "ran"}]', true);
end $$;
grant execute on function extra.pre_request() to anon, authenticated;
