-- realtime.visible_rows: which claim sets a SELECT of the changed rows returns them to, for one
-- changed row (a lookup by key as the prepared statement's parameters) and for several (the
-- set-shaped check); composite keys, quoted key values, and claim sets of alternating roles.
-- Each call leaves its last role set until the transaction ends (the node runs every check as
-- its own autocommit statement), so the answers are copied out and the role reset in between.

begin;
set local search_path = public, extensions, tests;
select plan(6);

-- Arrange (as the superuser): a table keyed by (a, b) whose secret rows only the caller whose
-- claims name `a` sees; anon sees the rest.
create table public.rt_pairs (
    a integer,
    b text,
    secret boolean not null default false,
    primary key (a, b)
);
grant select on public.rt_pairs to anon, authenticated;
alter table public.rt_pairs enable row level security;
create policy rt_pairs_authenticated on public.rt_pairs for select to authenticated
using (not secret or a = (auth.jwt() ->> 'n')::integer);
create policy rt_pairs_anon on public.rt_pairs for select to anon using (not secret);
insert into public.rt_pairs (a, b, secret) values
(1, 'x', false),
(2, 'it''s', false),
(3, 'y', true);

create table public.rt_loose (a integer);
grant select on public.rt_loose to authenticated;

create temporary table seen (label text, claims_index integer, key_index integer);
grant insert on seen to anon, authenticated;

-- Act
insert into seen
select
    'one quoted key' as label,
    v.claims_index,
    v.key_index
from realtime.visible_rows(
    'public.rt_pairs', '[{"a": 2, "b": "it''s"}]',
    array['authenticated', 'authenticated'], array['{"n": 1}', '{"n": 3}']
) as v;
reset role;
insert into seen
select
    'one secret key' as label,
    v.claims_index,
    v.key_index
from realtime.visible_rows(
    'public.rt_pairs', '[{"a": 3, "b": "y"}]',
    array['anon', 'authenticated', 'authenticated', 'anon'],
    array['{}', '{"n": 1}', '{"n": 3}', '{"n": 3}']
) as v;
reset role;
insert into seen
select
    'several keys' as label,
    v.claims_index,
    v.key_index
from realtime.visible_rows(
    'public.rt_pairs', '[{"a": 1, "b": "x"}, {"a": 3, "b": "y"}, {"a": 9, "b": "gone"}]',
    array['authenticated', 'anon', 'authenticated'], array['{"n": 1}', '{}', '{"n": 3}']
) as v;
reset role;
insert into seen
select
    'hostile key' as label,
    v.claims_index,
    v.key_index
from realtime.visible_rows(
    'public.rt_pairs', '[{"a": 1, "b": "x''); drop table public.rt_pairs; --"}]',
    array['authenticated'], array['{"n": 1}']
) as v;
reset role;
insert into seen
select
    'missing key column' as label,
    v.claims_index,
    v.key_index
from realtime.visible_rows(
    'public.rt_pairs', '[{"a": 1}]', array['authenticated'], array['{"n": 1}']
) as v;
reset role;

-- Assert
select results_eq(
    $$select claims_index, key_index from seen where label = 'one quoted key' order by 1, 2$$,
    $$values (0, 0), (1, 0)$$,
    'one changed row with a quote in its key reaches every claim set that selects it'
);
select results_eq(
    $$select claims_index, key_index from seen where label = 'one secret key' order by 1, 2$$,
    $$values (2, 0)$$,
    'one secret row: only its authenticated owner, whatever the roles before and after'
);
select results_eq(
    $$select claims_index, key_index from seen where label = 'several keys' order by 1, 2$$,
    $$values (0, 0), (1, 0), (2, 0), (2, 1)$$,
    'several rows: each claim set gets the positions of the rows it selects'
);
select is_empty(
    $$select from seen where label in ('hostile key', 'missing key column')$$,
    'a key value is only ever a literal, and a key missing a column matches nothing'
);
select has_table('public', 'rt_pairs', 'the hostile key value ran nothing');
select throws_ok(
    $$select from realtime.visible_rows(
        'public.rt_loose', '[{"a": 1}]', array['authenticated'], array['{}']
    )$$,
    'P0001',
    'realtime: table public.rt_loose has no primary key',
    'a table without primary key is refused'
);

select finish();
rollback;
