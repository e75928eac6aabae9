-- Private campaign channels: who may receive (select) and broadcast or track (insert) on
-- realtime.messages, as the realtime server probes it when a channel joins.

begin;
set local search_path = public, extensions, tests;
select plan(17);

-- Arrange (as the superuser). Ids are md5(<label>)::uuid. gm runs c1 with player and observer;
-- outsider belongs to nothing.
insert into auth.users (id, email)
select
    md5(u)::uuid as id,
    u || '@pgtap.test' as email
from unnest(array['gm', 'player', 'observer', 'outsider']) as u;
insert into public.campaigns (id, owner_id, name, target_language) values
(md5('c1')::uuid, md5('gm')::uuid, 'Campaign', 'es');
insert into public.campaign_members (campaign_id, user_id, role) values
(md5('c1')::uuid, md5('player')::uuid, 'player'),
(md5('c1')::uuid, md5('observer')::uuid, 'observer');
-- The probe rows a join looks for, one per extension and channel.
insert into realtime.messages (topic, extension)
select
    t.topic,
    e.extension
from
    (
        values ('campaign:' || md5('c1')::uuid), ('campaign:' || md5('c1')::uuid || ':gm')
    ) as t (topic),
    (values ('broadcast'), ('presence')) as e (extension);

-- Act as a user on a channel topic, exactly as the realtime server does.
create function pg_temp.act_as(actor text, channel text)
returns void
language sql
as $$
    select
        set_config('role', 'none', true),
        set_config('realtime.topic', channel, true),
        set_config(
            'request.jwt.claims',
            json_build_object('role', 'authenticated', 'sub', md5(actor)::uuid)::text,
            true
        ),
        set_config('role', 'authenticated', true)
$$;

-- Whether the current role may receive the topic (sees its probe rows).
create function pg_temp.may_receive()
returns boolean
language sql
as $$
    select exists (select from realtime.messages where topic = realtime.topic())
$$;

-- Whether the current role may insert a row of `extension` on the topic (rolled back).
create function pg_temp.may_send(extension text)
returns boolean
language plpgsql
as $$
begin
    begin
        insert into realtime.messages (topic, extension) values (realtime.topic(), extension);
        raise sqlstate 'TSTRB';
    exception
        when sqlstate 'TSTRB' then return true;
        when insufficient_privilege then return false;
    end;
end;
$$;

grant execute on function pg_temp.act_as(text, text), pg_temp.may_receive(),
pg_temp.may_send(text) to authenticated;
-- ============================================================================ structure
select ok(
    (
        select c.relrowsecurity
        from pg_class as c
        where c.oid = 'realtime.messages'::regclass
    ),
    'realtime.messages has row level security enabled'
);
select policies_are(
    'realtime', 'messages',
    array[
        'Campaign members receive their campaign channels',
        'Players broadcast to their campaign, only game masters to its gm channel',
        'Only the database sends server events',
        -- The learning loop's channels (learning_rls.test.sql tests who may join them).
        'Players receive their own learner channel',
        'Game masters receive their campaign''s readiness channel'
    ],
    'realtime.messages has exactly the campaign and learning channel policies and the event guard'
);
select is(
    (
        select array_agg(p.proname::text order by p.proname)
        from pg_proc as p
        where p.pronamespace = 'realtime'::regnamespace and p.prosecdef
    ),
    array['broadcast_row_trigger', 'notify_message', 'wake_readers'],
    'only the three trigger functions of realtime run as definer'
);
select is(
    (
        select count(*)::integer
        from pg_proc as p
        where
            p.pronamespace = 'realtime'::regnamespace
            and not coalesce(p.proconfig @> array['search_path=""'], false)
    ),
    0,
    'every realtime function pins an empty search_path'
);

-- ============================================================================ campaign channel
select pg_temp.act_as('player', 'campaign:' || md5('c1')::uuid);
select ok(pg_temp.may_receive(), 'a player receives the campaign channel');
select ok(pg_temp.may_send('broadcast'), 'a player broadcasts on the campaign channel');
select ok(pg_temp.may_send('presence'), 'a player tracks presence on the campaign channel');

select pg_temp.act_as('observer', 'campaign:' || md5('c1')::uuid);
select ok(pg_temp.may_receive(), 'an observer receives the campaign channel');
select ok(not pg_temp.may_send('broadcast'), 'an observer does not broadcast');
select ok(pg_temp.may_send('presence'), 'an observer tracks presence');

select pg_temp.act_as('outsider', 'campaign:' || md5('c1')::uuid);
select ok(not pg_temp.may_receive(), 'an outsider cannot receive the campaign channel');
select ok(not pg_temp.may_send('presence'), 'an outsider cannot track presence');

-- ============================================================================ gm channel
select pg_temp.act_as('player', 'campaign:' || md5('c1')::uuid || ':gm');
select ok(pg_temp.may_receive(), 'a player receives the gm channel');
select ok(not pg_temp.may_send('broadcast'), 'a player cannot broadcast on the gm channel');

select pg_temp.act_as('gm', 'campaign:' || md5('c1')::uuid || ':gm');
select ok(pg_temp.may_send('broadcast'), 'the game master broadcasts on the gm channel');

-- ============================================================================ other topics
select pg_temp.act_as('gm', 'campaign:not-a-uuid');
select ok(not pg_temp.may_receive(), 'a malformed campaign topic is nobody''s');
reset role;
select ok(
    not has_function_privilege(
        'anon', 'realtime.visible_rows(regclass, jsonb, text[], text[], text)', 'execute'
    )
    and not has_function_privilege(
        'authenticated', 'realtime.visible_rows(regclass, jsonb, text[], text[], text)', 'execute'
    ),
    'only the realtime login role runs the RLS check of changes'
);

select finish();
rollback;
