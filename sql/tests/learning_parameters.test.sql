-- Per-player FSRS parameters (issue 23): only the dice service stores them, and only the
-- caller's own; players cannot write them through the table.

begin;
set local search_path = public, extensions, tests;
select plan(5);

insert into auth.users (id, email)
select
    md5(u)::uuid as id,
    u || '@pgtap.test' as email
from unnest(array['player', 'other']) as u;

select tests.act_as('anon');
select throws_ok(
    $$ select app_private.store_fsrs_parameters(array_fill(0.5::float8, array[21])) $$,
    '42501', null, 'anon: stores no parameters'
);
select tests.act_as('player');
select throws_ok(
    $$ select app_private.store_fsrs_parameters(array_fill(0.5::float8, array[21])) $$,
    '42501', null, 'player: only through the dice service'
);
select throws_ok(
    $$ insert into public.learner_settings (user_id, fsrs_parameters)
       values (md5('player')::uuid, array_fill(0.5::float8, array[21])) $$,
    '42501', null, 'player: cannot write parameters through the table'
);
select set_config('app.roll_source', 'dice-service', true);
select isnt(
    app_private.store_fsrs_parameters(array_fill(0.5::float8, array[21])), null,
    'dice service: stores the caller''s fitted parameters'
);
reset role;
select is(
    (
        select array_agg(user_id) from public.learner_settings
        where fsrs_parameters = array_fill(0.5::float8, array[21])
    ),
    array[md5('player')::uuid], 'only the caller''s row holds them'
);

select finish();
rollback;
