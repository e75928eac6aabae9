-- The token-bucket limiter and the pre-request hook (app_private.check_request).

begin;
set local search_path = public, extensions, tests;
select plan(53);

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

-- ============================================================================ autonomous charges
-- Charges go through a dblink connection of their own: they are already committed when the
-- hook returns, so a rollback (to a savepoint here) or a READ ONLY transaction keeps them.
select set_config('request.jwt.claims', '{"role": "anon"}', true);
select set_config('request.headers', '{"x-forwarded-for": "198.51.100.6"}', true);
set local role anon;
do $$
begin
    perform app_private.check_request();
    raise sqlstate 'TSTRB';
exception when sqlstate 'TSTRB' then
    null;
end
$$;
reset role;
select is(
    (
        select b.tokens from rate_limit.buckets as b
        where b.action = 'request.anon' and b.subject = '198.51.100.6/32'
    ) < 2, true,
    'a request that rolls back keeps its charge'
);
set local role anon;
select throws_ok(
    $$
    select set_config('transaction_read_only', 'on', true), app_private.check_request();
    select app_private.check_request();
    $$,
    'PGRST', null,
    'in a read-only transaction (GET) the hook charges too: 429 past the limit'
);
reset role;
select is(current_setting('transaction_read_only'), 'off', 'the test is read-write again');
select is(
    (
        select b.tokens from rate_limit.buckets as b
        where b.action = 'request.anon' and b.subject = '198.51.100.6/32'
    ) < 1, true,
    'the read-only request''s charge is kept'
);

-- ============================================================================ join attempts
insert into auth.users (id, email) values
(md5('rate-limit gm')::uuid, 'rl-gm@pgtap.test'),
(md5('rate-limit joiner')::uuid, 'rl-joiner@pgtap.test');
insert into public.campaigns (id, owner_id, name, target_language) values
(md5('rate-limit campaign')::uuid, md5('rate-limit gm')::uuid, 'Limits', 'es');
insert into public.campaign_invitations (campaign_id, created_by, code_hash, expires_at) values
(
    md5('rate-limit campaign')::uuid, md5('rate-limit gm')::uuid,
    encode(digest('right code', 'sha256'), 'hex'), now() + interval '1 day'
);
update rate_limit.limits set capacity = 2, refill_per_second = 0.001
where action = 'campaign.join';
select set_config(
    'request.jwt.claims',
    json_build_object('role', 'authenticated', 'sub', md5('rate-limit joiner')::uuid)::text, true
);
set local role authenticated;
select throws_ok(
    $$ select public.join_campaign('wrong code 1') $$, 'PT404', null, 'a wrong code is refused'
);
select throws_ok(
    $$ select public.join_campaign('wrong code 2') $$, 'PT404', null, 'a second wrong code too'
);
select throws_ok(
    $$ select public.join_campaign('right code') $$, 'PGRST', null,
    'failed attempts count: past the limit even the right code gets 429'
);
reset role;
select is(
    (
        select count(*)::integer from public.campaign_members as m
        where m.user_id = md5('rate-limit joiner')::uuid
    ), 0,
    'the refused attempt joined nothing'
);

-- ============================================================================ backoffs
-- capacity 2, first wait 10 s (refill 0.1), at most 30 s, forgotten after 100 s.
select is(
    array[
        rate_limit.try_backoff('test.backoff', 'k', 2, 0.1, 30, 100),
        rate_limit.try_backoff('test.backoff', 'k', 2, 0.1, 30, 100)
    ],
    array[0, 0]::double precision[],
    'the first `capacity` attempts pass'
);
select cmp_ok(
    rate_limit.try_backoff('test.backoff', 'k', 2, 0.1, 30, 100), '>', 9.9::double precision,
    'then the next waits 1 / refill seconds'
);
select is(
    (
        select attempts from rate_limit.backoffs
        where action = 'test.backoff' and subject = 'k'
    ),
    2,
    'a refused attempt is not counted'
);
update rate_limit.backoffs set next_at = clock_timestamp() - interval '1 second'
where action = 'test.backoff' and subject = 'k';
select is(
    rate_limit.try_backoff('test.backoff', 'k', 2, 0.1, 30, 100), 0::double precision,
    'once the wait is over, an attempt passes'
);
select ok(
    (
        select extract(epoch from next_at - clock_timestamp()) between 19 and 20
        from rate_limit.backoffs
        where action = 'test.backoff' and subject = 'k'
    ),
    'and the next wait doubles'
);
update rate_limit.backoffs set attempts = 40, next_at = clock_timestamp() - interval '1 second'
where action = 'test.backoff' and subject = 'k';
select is(
    rate_limit.try_backoff('test.backoff', 'k', 2, 0.1, 30, 100), 0::double precision,
    'a long series passes when its wait is over'
);
select ok(
    (
        select extract(epoch from next_at - clock_timestamp()) between 29 and 30
        from rate_limit.backoffs
        where action = 'test.backoff' and subject = 'k'
    ),
    'waits never exceed max_wait_seconds'
);
update rate_limit.backoffs set forget_at = clock_timestamp() - interval '1 second'
where action = 'test.backoff' and subject = 'k';
select is(
    rate_limit.try_backoff('test.backoff', 'k', 2, 0.1, 30, 100), 0::double precision,
    'a forgotten count starts afresh'
);
select is(
    (
        select attempts from rate_limit.backoffs
        where action = 'test.backoff' and subject = 'k'
    ),
    1,
    'from one attempt'
);
select throws_ok(
    $$ select rate_limit.try_backoff('test.backoff', 'k', 2, 0.1, 200, 100) $$, '22023', null,
    'a count forgotten before its longest wait is refused'
);
select throws_ok(
    $$ insert into rate_limit.limits (action, capacity, refill_per_second, max_wait_seconds,
           description) values ('test.half', 1, 1, 10, 'x') $$,
    '23514', null, 'a backoff row sets both its wait ceiling and its forgetting time'
);

-- ============================================================================ charged together
select is(
    rate_limit.take_together(
        '[{"action": "test.together.bucket", "subject": "k", "capacity": 1,
           "refill_per_second": 0.01},
          {"action": "test.together.backoff", "subject": "k", "capacity": 5,
           "refill_per_second": 1, "max_wait_seconds": 10, "forget_after_seconds": 60}]'
    ),
    0::double precision,
    'every limit has room: all are charged'
);
select cmp_ok(
    rate_limit.take_together(
        '[{"action": "test.together.backoff", "subject": "k", "capacity": 5,
           "refill_per_second": 1, "max_wait_seconds": 10, "forget_after_seconds": 60},
          {"action": "test.together.bucket", "subject": "k", "capacity": 1,
           "refill_per_second": 0.01}]'
    ),
    '>', 90::double precision,
    'one limit is exhausted: the answer is its wait'
);
select is(
    (
        select attempts from rate_limit.backoffs
        where action = 'test.together.backoff' and subject = 'k'
    ),
    1,
    'and no other limit is charged (all or none)'
);
select rate_limit.give_back_together(
    '[{"action": "test.together.bucket", "subject": "k", "capacity": 1,
       "refill_per_second": 0.01},
      {"action": "test.together.backoff", "subject": "k", "capacity": 5,
       "refill_per_second": 1, "max_wait_seconds": 10, "forget_after_seconds": 60}]'
);
select is(
    (
        select tokens from rate_limit.buckets
        where action = 'test.together.bucket' and subject = 'k'
    ),
    1::double precision,
    'giving back returns the bucket''s token'
);
select is_empty(
    $$ select from rate_limit.backoffs where action = 'test.together.backoff' $$,
    'and resets the backoff'
);

-- ============================================================================ privileges
select is_definer(
    'rate_limit', 'take_autonomously', array['text', 'text', 'integer', 'double precision'],
    'take_autonomously is definer (dblink is the owner''s only)'
);
select ok(
    has_function_privilege(
        'rate_limiter', 'rate_limit.try_take(text, text, integer, double precision, integer)',
        'execute'
    ),
    'rate_limiter may take tokens'
);
select ok(
    not has_table_privilege('rate_limiter', 'public.profiles', 'select'),
    'rate_limiter cannot read public tables'
);
select ok(
    not has_table_privilege('rate_limiter', 'auth.users', 'select'),
    'rate_limiter cannot read users'
);
select ok(
    not has_table_privilege('rate_limiter', 'app_private.secrets', 'select'),
    'rate_limiter cannot read secrets'
);
select ok(
    not has_table_privilege('rate_limiter', 'rate_limit.buckets', 'delete'),
    'rate_limiter cannot empty buckets'
);
select ok(
    not pg_has_role('rate_limiter', 'anon', 'usage')
    and not pg_has_role('rate_limiter', 'authenticated', 'usage')
    and not pg_has_role('rate_limiter', 'service_role', 'usage'),
    'rate_limiter is no API role'
);
select ok(
    not has_function_privilege(
        'authenticated', 'rate_limit.take_autonomously(text, text, integer, double precision)',
        'execute'
    ),
    'clients cannot drain buckets autonomously'
);

select finish();
rollback;
