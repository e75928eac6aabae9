-- auth.uid(): the caller's `sub` as a uuid, null when the claims are missing, have no `sub` or
-- an empty one, the cast's error for any other `sub`; inlined into the statement that calls it
-- (no function call of its own in the plan), parsing the claims once.
begin;
set local search_path = public, extensions, tests;
select plan(7);

select set_config('request.jwt.claims', '{"sub": "00000000-0000-4000-a000-000000000007"}', true);
select is(auth.uid(), '00000000-0000-4000-a000-000000000007'::uuid, 'a uuid sub is the uid');
select set_config('request.jwt.claims', '{"sub": "", "role": "anon"}', true);
select is(auth.uid(), null, 'an empty sub gives null');
select set_config('request.jwt.claims', '{"role": "anon"}', true);
select is(auth.uid(), null, 'claims without sub give null');
select set_config('request.jwt.claims', '', true);
select is(auth.uid(), null, 'no claims give null');
select set_config('request.jwt.claims', '{"sub": "not-a-uuid"}', true);
select throws_ok($$ select auth.uid() $$, '22P02', null, 'any other sub fails as a cast');
select set_config('request.jwt.claims', '{"sub": 7}', true);
select throws_ok($$ select auth.uid() $$, '22P02', null, 'a number sub fails as a cast');

-- Inlined: the plan's output is the expression itself, with one cast of the claims to json
-- (cheaper than jsonb for reading one key of GoTrue's ~400 bytes of claims) and none to jsonb.
create temporary table uid_plan (line text) on commit drop;
do $$
declare
    line text;
begin
    for line in execute 'explain (verbose, costs off) select auth.uid()' loop
        insert into uid_plan values (line);
    end loop;
end
$$;
select results_eq(
    $$ select
        bool_or(line like '%uid()%'),
        sum(array_length(string_to_array(line, ')::json'), 1) - 1)::integer,
        sum(array_length(string_to_array(line, ')::jsonb'), 1) - 1)::integer
    from uid_plan $$,
    $$ values (false, 1, 0) $$,
    'auth.uid() is inlined and parses the claims once, as json'
);

select finish();
rollback;
