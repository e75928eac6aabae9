-- Realtime revocation and reserved server events (issue 11, findings 3 and 5): the triggers that
-- tell realtime nodes a session ended or a user's rights changed, and the restrictive policy
-- that keeps the database's broadcast event names (insert, update, delete) from API roles.

begin;
set local search_path = public, extensions, tests;
select plan(22);

-- Arrange (as the superuser). gm runs c1 with player and observer; other belongs to nothing;
-- admin holds the admin app role.
insert into auth.users (id, email)
select
    md5(u)::uuid as id,
    u || '@pgtap.test' as email
from unnest(array['gm', 'player', 'observer', 'other', 'admin']) as u;
insert into app_private.user_roles (user_id, role) values (md5('admin')::uuid, 'admin');
insert into public.campaigns (id, owner_id, name, target_language) values
(md5('c1')::uuid, md5('gm')::uuid, 'Campaign', 'es');
insert into public.campaign_members (campaign_id, user_id, role) values
(md5('c1')::uuid, md5('player')::uuid, 'player'),
(md5('c1')::uuid, md5('observer')::uuid, 'observer');
insert into auth.sessions (id, user_id) values (md5('s1')::uuid, md5('player')::uuid);

-- Whether the current role may insert a broadcast of `event` on c1's channel (rolled back).
create function pg_temp.may_send(event text)
returns boolean
language plpgsql
as $$
begin
    perform set_config('realtime.topic', 'campaign:' || md5('c1')::uuid, true);
    begin
        insert into realtime.messages (topic, extension, event)
        values (realtime.topic(), 'broadcast', event);
        raise sqlstate 'TSTRB';
    exception
        when sqlstate 'TSTRB' then return true;
        when insufficient_privilege then return false;
    end;
end;
$$;

grant execute on function pg_temp.may_send(text) to anon, authenticated, service_role;

-- ============================================================================ triggers
select trigger_is(
    'auth', 'sessions', 'sessions_notify_realtime_revoked', 'realtime', 'notify_session_ended',
    'revoking a session tells realtime'
);
select trigger_is(
    'auth', 'sessions', 'sessions_notify_realtime_deleted', 'realtime', 'notify_session_ended',
    'deleting a session tells realtime'
);
select trigger_is(
    'public', 'campaign_members', 'campaign_members_notify_realtime_removed',
    'realtime', 'notify_rights_changed', 'removing a member tells realtime'
);
select trigger_is(
    'public', 'campaign_members', 'campaign_members_notify_realtime_role',
    'realtime', 'notify_rights_changed', 'changing a member''s role tells realtime'
);
select trigger_is(
    'auth', 'users', 'users_notify_realtime_banned', 'realtime', 'notify_rights_changed',
    'banning a user tells realtime'
);
select lives_ok(
    $$ update auth.sessions set revoked_at = now(), revoked_reason = 'logout'
       where id = md5('s1')::uuid $$,
    'a sign-out notifies and commits'
);
select is(
    (
        select array_agg(p.proname::text order by p.proname)
        from pg_proc as p
        where
            p.pronamespace = 'realtime'::regnamespace
            and p.proname like 'notify_%'
            and not p.prosecdef
    ),
    array['notify_rights_changed', 'notify_session_ended'],
    'the revocation triggers run as the writer (NOTIFY needs no privilege)'
);

-- The game master removes the observer through the API role: the trigger fires for it.
select tests.act_as('gm');
select is(
    tests.affected(
        $$ delete from public.campaign_members
           where campaign_id = md5('c1')::uuid and user_id = md5('observer')::uuid $$
    ),
    1,
    'a gm removing a member (trigger included) works as authenticated'
);
select is(
    tests.affected(
        $$ update public.campaign_members set role = 'observer'
           where campaign_id = md5('c1')::uuid and user_id = md5('player')::uuid $$
    ),
    1,
    'a gm demoting a player (trigger included) works as authenticated'
);

-- ============================================================================ server events
reset role;
select is(
    realtime.server_events(), array['insert', 'update', 'delete'],
    'the database sends insert, update and delete'
);
select ok(
    realtime.is_server_event('INSERT') and realtime.is_server_event('Delete')
    and not realtime.is_server_event('move') and not realtime.is_server_event(null),
    'server events compare case-insensitively; a probe without event is none'
);

select tests.act_as('anon');
select ok(not pg_temp.may_send('insert'), 'anon cannot send insert');

select tests.act_as('player');
select ok(pg_temp.may_send('move'), 'a player broadcasts an ordinary event');
select ok(pg_temp.may_send(null), 'a player''s write probe (no event) passes');
select ok(not pg_temp.may_send('insert'), 'a player cannot send insert');
select ok(not pg_temp.may_send('INSERT'), 'a player cannot send INSERT');

select tests.act_as('other');
select ok(not pg_temp.may_send('update'), 'another user cannot send update');

select tests.act_as('gm');
select ok(pg_temp.may_send('scene'), 'the gm broadcasts an ordinary event');
select ok(not pg_temp.may_send('delete'), 'the gm cannot send delete either');

select tests.act_as('admin');
select ok(not pg_temp.may_send('insert'), 'an app admin cannot send insert');

reset role;
select set_config('role', 'service_role', true);
select ok(pg_temp.may_send('insert'), 'service_role (the server side) may send insert');

-- The trigger's own broadcast (definer) still goes out for a public roll.
reset role;
select lives_ok(
    $$ select realtime.send('{"record": {}}', 'insert', 'campaign:' || md5('c1')::uuid) $$,
    'realtime.send from the database still sends insert'
);

select finish();
rollback;
