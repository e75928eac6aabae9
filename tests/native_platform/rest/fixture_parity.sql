-- Fixture for PostgREST v14 parity (computed fields and relationships, aggregates, spreads,
-- relationship disambiguation), modelled on the examples of PostgREST's documentation.
-- Loaded into a fresh database of its own.
grant usage on schema public to anon, authenticated, service_role;

-- Computed fields and computed relationships.
create table public.directors (
    id integer primary key,
    first_name text not null,
    last_name text not null
);
create table public.films (
    id integer primary key,
    director_id integer references public.directors (id),
    title text not null,
    year integer not null,
    box_office numeric(12, 2) not null
);
create view public.film_summaries as
select
    id,
    director_id,
    title
from public.films;

create function public.full_name(public.directors) returns text
language sql stable as $$ select $1.first_name || ' ' || $1.last_name $$;

-- One-to-many: a director's films, biggest first.
create function public.top_films(public.directors) returns setof public.films
language sql stable as $$
    select * from public.films where director_id = $1.id order by box_office desc
$$;

-- To-one: `returns <table>` and `setof ... rows 1`.
create function public.latest_film(public.directors) returns public.films
language sql stable as $$
    select * from public.films where director_id = $1.id order by year desc limit 1
$$;
create function public.maker(public.films) returns setof public.directors rows 1
language sql stable as $$ select * from public.directors where id = $1.director_id $$;

-- Taking a view's row, and overloaded for two row types.
create function public.maker(public.film_summaries) returns setof public.directors rows 1
language sql stable as $$ select * from public.directors where id = $1.director_id $$;
create function public.namesakes(public.films) returns setof public.films
language sql stable as $$ select * from public.films where title = $1.title and id <> $1.id $$;
create function public.namesakes(public.directors) returns setof public.directors
language sql stable as $$
    select * from public.directors where last_name = $1.last_name and id <> $1.id
$$;

-- A partitioned table reached through a computed relationship.
create table public.screenings (
    film_id integer not null,
    shown_on date not null,
    seats integer not null
) partition by range (shown_on);
create table public.screenings_1950s partition of public.screenings
for values from ('1950-01-01') to ('1960-01-01');
create table public.screenings_later partition of public.screenings
for values from ('1960-01-01') to ('2100-01-01');
create function public.screenings(public.films) returns setof public.screenings
language sql stable as $$ select * from public.screenings where film_id = $1.id $$;

-- Aggregates: customers and their orders; disambiguation: two addresses per order.
create table public.customers (
    id integer primary key,
    name text not null,
    city text not null
);
create table public.addresses (
    id integer primary key,
    name text not null
);
create table public.orders (
    id integer primary key,
    customer_id integer not null references public.customers (id),
    order_date date not null,
    amount numeric(10, 2) not null,
    quantity integer not null,
    details jsonb not null default '{}',
    billing_address_id integer,
    shipping_address_id integer,
    constraint billing foreign key (billing_address_id) references public.addresses (id),
    constraint shipping foreign key (shipping_address_id) references public.addresses (id)
);

-- Self-referencing: employees and their supervisor.
create table public.employees (
    id integer primary key,
    last_name text not null,
    supervisor_id integer references public.employees (id)
);

grant select on all tables in schema public to anon, authenticated;
grant execute on all functions in schema public to anon, authenticated;

insert into public.directors values
(1, 'Akira', 'Kurosawa'), (2, 'Yasujiro', 'Ozu'), (3, 'Teinosuke', 'Kurosawa');
insert into public.films values
(1, 1, 'Rashomon', 1950, 96.50),
(2, 1, 'Seven Samurai', 1954, 271.80),
(3, 2, 'Tokyo Story', 1953, 55.00),
(4, 1, 'Ran', 1985, 410.00),
(5, 3, 'Ran', 1930, 1.00);
insert into public.screenings values
(2, '1954-04-26', 120), (2, '1955-01-10', 80), (4, '1985-06-01', 300), (3, '1953-11-03', 90);
insert into public.customers values (1, 'Ana', 'Lisbon'), (2, 'Bo', 'Oslo'), (3, 'Cy', 'Lisbon');
insert into public.addresses values (1, 'Home'), (2, 'Office');
insert into public.orders values
(1, 1, '2026-01-01', 10.50, 1, '{"tax": 1.5}', 1, 2),
(2, 1, '2026-01-01', 20.00, 2, '{"tax": 2}', 1, 1),
(3, 2, '2026-01-02', 5.25, 3, '{"tax": 0.5}', 2, 2),
(4, 3, '2026-01-02', 100.00, 4, '{"tax": 10}', null, null);
insert into public.employees values
(1, 'Chief', null), (2, 'Lead', 1), (3, 'Dev', 2), (4, 'Ops', 2);
