-- The token-bucket limiter and the pre-request hook (app_private.check_request).

begin;
set local search_path = public, extensions;
select plan(21);

do $$
begin
    execute format(
        'grant execute on all functions in schema %I to anon, authenticated, service_role',
        (select e.extnamespace::regnamespace::text from pg_extension as e where e.extname = 'pgtap')
    );
end
$$;

-- ============================================================================ token bucket
select is(rate_limit.try_take('test', 'k', 3, 1), 0::double precision, 'first token is free');
select is(rate_limit.try_take('test', 'k', 3, 1), 0::double precision, 'second token');
select is(rate_limit.try_take('test', 'k', 3, 1), 0::double precision, 'third token');
select cmp_ok(
    rate_limit.try_take('test', 'k', 3, 1), '>', 0::double precision,
    'the fourth call must wait'
);
select is(
    rate_limit.try_take('test', 'other key', 3, 1), 0::double precision,
    'buckets are per subject'
);
update rate_limit.buckets set updated_at = updated_at - interval '10 seconds'
where action = 'test' and subject = 'k';
select is(
    rate_limit.try_take('test', 'k', 3, 1), 0::double precision,
    'the bucket refills with time'
);
select cmp_ok(
    (
        select b.tokens from rate_limit.buckets as b
        where b.action = 'test' and b.subject = 'k'
    ),
    '<=', 2::double precision,
    'refill never exceeds the capacity'
);
select throws_ok(
    $$ select rate_limit.try_take('test', 'k', 3, 1, 5) $$, '22023', null,
    'a cost above the capacity is refused'
);

-- ============================================================================ enforce
select lives_ok($$ select rate_limit.enforce('test.enforce', 'k', 1, 0.01) $$, 'first call passes');
select throws_ok(
    $$ select rate_limit.enforce('test.enforce', 'k', 1, 0.01) $$, 'PGRST', null,
    'past the limit, enforce raises PGRST (HTTP 429)'
);
select cmp_ok(
    rate_limit.try_take('test.enforce', 'k', 1, 0.01), '>', 90::double precision,
    'the refused caller is told how long to wait (1 token per 100 s)'
);

-- ============================================================================ stale buckets
update rate_limit.buckets set full_at = now() - interval '1 second'
where action = 'test';
select is(rate_limit.purge_stale() >= 2, true, 'full buckets are purged');
select is(
    (
        select count(*)::integer from rate_limit.buckets as b
        where b.action = 'test'
    ), 0,
    'purged buckets are gone'
);

-- ============================================================================ pre-request hook
update rate_limit.limits set capacity = 2, refill_per_second = 0.01
where action in ('request.anon', 'request.authenticated');
select set_config('request.headers', '{"x-forwarded-for": "198.51.100.4"}', true);
select set_config('request.jwt.claims', '{"role": "anon"}', true);
set local role anon;
select lives_ok($$ select app_private.check_request() $$, 'anon request 1 passes');
select lives_ok($$ select app_private.check_request() $$, 'anon request 2 passes');
select throws_ok(
    $$ select app_private.check_request() $$, 'PGRST', null,
    'anon request 3 from the same address gets 429'
);
reset role;
select set_config('request.headers', '{"x-forwarded-for": "198.51.100.5"}', true);
set local role anon;
select lives_ok($$ select app_private.check_request() $$, 'another address has its own bucket');
reset role;
select set_config(
    'request.jwt.claims',
    json_build_object('role', 'authenticated', 'sub', md5('someone')::uuid)::text, true
);
set local role authenticated;
select lives_ok($$ select app_private.check_request() $$, 'a signed-in user has a bucket per user');
reset role;
select set_config(
    'request.jwt.claims',
    json_build_object(
        'role', 'authenticated', 'sub', md5('someone')::uuid, 'session_id', md5('gone')::uuid
    )::text,
    true
);
set local role authenticated;
select throws_ok(
    $$ select app_private.check_request() $$, 'PGRST', null,
    'a token whose session is no longer active gets 401'
);
reset role;
select set_config('request.jwt.claims', '{"role": "service_role"}', true);
set local role service_role;
select lives_ok(
    $$ select app_private.check_request() from generate_series(1, 5) $$,
    'the service role is not limited'
);
reset role;
select is_definer('app_private', 'check_request', array[]::text[], 'the hook is definer');

select finish();
rollback;
