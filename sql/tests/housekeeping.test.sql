-- Housekeeping jobs: each deletes only what is past its retention, a second run deletes
-- nothing, and every run is logged (errors too).

begin;
set local search_path = public, extensions, tests;
select plan(9);

insert into auth.users (id, email)
select
    md5(u)::uuid as id,
    u || '@pgtap.test' as email
from unnest(array['u1', 'u2']) as u;
insert into auth.sessions (id, user_id, revoked_at, revoked_reason) values
(md5('old-ended')::uuid, md5('u1')::uuid, now() - interval '8 days', 'logout'),
(md5('new-ended')::uuid, md5('u1')::uuid, now() - interval '1 day', 'logout'),
(md5('live')::uuid, md5('u2')::uuid, null, null);
insert into auth.refresh_tokens (token_hash, session_id, used_at) values
(sha256('t-old-ended'), md5('old-ended')::uuid, null),
(sha256('t-spent'), md5('live')::uuid, now() - interval '31 days'),
(sha256('t-recent'), md5('live')::uuid, now() - interval '1 day'),
(sha256('t-unused'), md5('live')::uuid, null);
-- Other test files charge buckets through the limiter's own connection, which commits: start
-- from none so the counts below are this file's alone (rolled back at the end).
delete from rate_limit.buckets;
insert into rate_limit.buckets (action, subject, tokens, updated_at, full_at) values
('dice.roll', 'stale', 60, now() - interval '1 hour', now() - interval '1 minute'),
('dice.roll', 'busy', 1, now(), now() + interval '1 minute');
insert into realtime.messages (topic, extension, inserted_at) values
('old', 'broadcast', now() - interval '4 days'),
('new', 'broadcast', now() - interval '1 hour');

select is(
    app_private.run_housekeeping('ended-sessions'), 1,
    'one session ended more than a week ago is purged'
);
select set_eq(
    $$ select id from auth.sessions where user_id in (md5('u1')::uuid, md5('u2')::uuid) $$,
    array[md5('new-ended')::uuid, md5('live')::uuid],
    'recently ended and live sessions stay'
);
select is(
    app_private.run_housekeeping('spent-refresh-tokens'), 1,
    'one refresh token spent more than 30 days ago is purged'
);
select set_eq(
    $$ select token_hash from auth.refresh_tokens where session_id = md5('live')::uuid $$,
    array[sha256('t-recent'), sha256('t-unused')],
    'recently used and unused refresh tokens stay (reuse detection still works)'
);
select is(
    app_private.run_housekeeping('rate-limit-buckets'),
    1,
    'a full bucket is purged, a busy one stays'
);
select is(
    app_private.run_housekeeping('realtime-messages'), 1, 'broadcasts older than 3 days are purged'
);
select is(
    app_private.run_housekeeping('ended-sessions')
    + app_private.run_housekeeping('spent-refresh-tokens')
    + app_private.run_housekeeping('rate-limit-buckets')
    + app_private.run_housekeeping('realtime-messages'),
    0,
    'a second run deletes nothing (idempotent)'
);
select is(app_private.run_housekeeping('no-such-job'), null, 'an unknown job deletes nothing');
select results_eq(
    $$ select job, last_rows_deleted, last_error from app_private.housekeeping_status
       order by job $$,
    $$ values
       ('ended-sessions', 0, null::text),
       ('no-such-job', null, 'unknown housekeeping job: no-such-job'),
       ('rate-limit-buckets', 0, null),
       ('realtime-messages', 0, null),
       ('spent-refresh-tokens', 0, null) $$,
    'every run is logged, a failed one with its error'
);

select finish();
rollback;
