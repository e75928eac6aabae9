-- RLS of public.campaign_invitations, create_campaign_invitation() and join_campaign().

begin;
set local search_path = public, extensions;
select plan(24);

-- Arrange (as the superuser). Every row's id is md5(<label>)::uuid, so a label names it.
-- Users: gm runs c1 (private) with player and observer; gm2 runs c2 (public) with other as
-- player; admin holds the admin app role.
select set_config('app.roll_source', 'dice-service', true);
insert into auth.users (id, email)
select
    md5(u)::uuid as id,
    u || '@pgtap.test' as email
from unnest(array['gm', 'player', 'other', 'observer', 'admin', 'gm2']) as u;
insert into app_private.user_roles (user_id, role) values (md5('admin')::uuid, 'admin');
insert into public.campaigns (id, owner_id, name, target_language, visibility) values
(md5('c1')::uuid, md5('gm')::uuid, 'Private campaign', 'es', 'private'),
(md5('c2')::uuid, md5('gm2')::uuid, 'Public campaign', 'ja', 'public');
insert into public.campaign_members (campaign_id, user_id, role) values
(md5('c1')::uuid, md5('player')::uuid, 'player'),
(md5('c1')::uuid, md5('observer')::uuid, 'observer'),
(md5('c2')::uuid, md5('other')::uuid, 'player');

-- Act as a user (or 'anon') exactly as PostgREST does: role + request.jwt.claims.
create function pg_temp.act_as(actor text)
returns void
language sql
as $$
    select
        set_config('role', 'none', true),
        set_config(
            'request.jwt.claims',
            case when actor = 'anon' then '{"role": "anon"}' else json_build_object(
                'role', 'authenticated', 'sub', md5(actor)::uuid
            )::text end,
            true
        ),
        set_config('role', case when actor = 'anon' then 'anon' else 'authenticated' end, true)
$$;

-- The labels among `candidates` whose rows the current role can see in public.<tbl>
-- (campaign_members labels read '<campaign>:<user>').
create function pg_temp.visible(tbl text, candidates text[])
returns text[]
language plpgsql
as $$
declare
    result text[];
    condition text := case when tbl = 'campaign_members'
        then 't.campaign_id = md5(split_part(c, '':'', 1))::uuid'
        || ' and t.user_id = md5(split_part(c, '':'', 2))::uuid'
        else 't.id = md5(c)::uuid' end;
begin
    execute format(
        'select coalesce(array_agg(c order by c), ''{}'') from unnest($1) as c'
        ' where exists (select from public.%I as t where %s)', tbl, condition
    ) into result using candidates;
    return result;
end;
$$;

-- How many rows a statement changes, its effects rolled back; errors propagate.
create function pg_temp.affected(statement text)
returns integer
language plpgsql
as $$
declare
    changed integer;
begin
    begin
        execute statement;
        get diagnostics changed = row_count;
        raise sqlstate 'TSTRB';
    exception when sqlstate 'TSTRB' then
        return changed;
    end;
end;
$$;

grant execute on function pg_temp.act_as(text), pg_temp.visible(text, text[]),
pg_temp.affected(text) to anon, authenticated;
do $$
begin
    execute format(
        'grant execute on all functions in schema %I to anon, authenticated, service_role',
        (select e.extnamespace::regnamespace::text from pg_extension as e where e.extname = 'pgtap')
    );
end
$$;

insert into public.campaign_invitations (
    id, campaign_id, created_by, code_hash, role, max_uses, uses, expires_at
) values
(
    md5('inv1')::uuid, md5('c1')::uuid, md5('gm')::uuid,
    encode(digest('code-one', 'sha256'), 'hex'), 'player', 5, 0, now() + interval '1 day'
),
(
    md5('inv2')::uuid, md5('c2')::uuid, md5('gm2')::uuid,
    encode(digest('code-two', 'sha256'), 'hex'), 'observer', 5, 0, now() + interval '1 day'
),
(
    md5('inv_used')::uuid, md5('c1')::uuid, md5('gm')::uuid,
    encode(digest('code-used', 'sha256'), 'hex'), 'player', 1, 1, now() + interval '1 day'
);

-- ============================================================================ structure
select policies_are(
    'public', 'campaign_invitations',
    array[
        'Game masters see their campaigns'' invitations',
        'Game masters invite to live campaigns',
        'Game masters revoke their campaigns'' invitations',
        'Game masters delete their campaigns'' invitations'
    ],
    'campaign_invitations has exactly its policies'
);
select ok(
    (
        select c.relrowsecurity from pg_class as c
        where c.oid = 'public.campaign_invitations'::regclass
    ),
    'RLS is enabled on campaign_invitations'
);
select is_definer('app_private', 'redeem_invitation', array['text'], 'redeeming runs as definer');
select isnt_definer('public', 'join_campaign', array['text'], 'the exposed RPC is invoker');

-- ============================================================================ anon
select pg_temp.act_as('anon');
select throws_ok(
    $$ select * from public.campaign_invitations $$, '42501', null, 'anon cannot read invitations'
);
select throws_ok(
    $$ select public.join_campaign('code-two') $$, '42501', null, 'anon cannot join campaigns'
);

-- ============================================================================ player
select pg_temp.act_as('player');
select is(
    pg_temp.visible('campaign_invitations', array['inv1', 'inv2']), '{}'::text[],
    'a player sees no invitations'
);
select throws_ok(
    $$ select public.create_campaign_invitation(md5('c1')::uuid) $$,
    '42501', null, 'a player cannot create invitations'
);
select is(
    public.join_campaign('code-two'), md5('c2')::uuid, 'a valid code joins its campaign'
);
select is(
    app_private.campaign_role(md5('c2')::uuid), 'observer',
    'the new member gets the invitation''s role'
);
select throws_ok(
    $$ select public.join_campaign('no-such-code') $$, 'PT404', null, 'an unknown code is refused'
);
select throws_ok(
    $$ select public.join_campaign('code-used') $$, 'PT404', null, 'a used-up code is refused'
);

-- ============================================================================ another player
select pg_temp.act_as('other');
select is(
    public.join_campaign('code-one'), md5('c1')::uuid, 'a player of another campaign joins too'
);
select is(
    public.join_campaign('code-one'), md5('c1')::uuid, 'joining again changes nothing'
);
select is(
    pg_temp.visible('campaign_invitations', array['inv1', 'inv2']), '{}'::text[],
    'joining does not reveal invitations'
);

-- ============================================================================ game master
select pg_temp.act_as('gm');
select is(
    pg_temp.visible('campaign_invitations', array['inv1', 'inv2']), array['inv1'],
    'the gm sees their campaign''s invitations'
);
select is(
    (
        select i.uses from public.campaign_invitations as i
        where i.id = md5('inv1')::uuid
    ), 1,
    'a join uses the code once, a repeated join not at all'
);
select matches(
    public.create_campaign_invitation(md5('c1')::uuid, 3, 3600), '^[A-Za-z0-9_-]{32}$',
    'the gm gets a fresh 192-bit code'
);
select throws_ok(
    $$ select public.create_campaign_invitation(md5('c2')::uuid) $$,
    '42501', null, 'the gm cannot invite to another campaign'
);
select throws_ok(
    $$ select public.create_campaign_invitation(md5('c1')::uuid, 0) $$,
    '23514', null, 'max_uses must be positive'
);
select is(
    pg_temp.affected($$
        update public.campaign_invitations set revoked_at = now() where id = md5('inv1')::uuid
    $$),
    1, 'the gm revokes an invitation'
);
select is(
    pg_temp.affected($$ delete from public.campaign_invitations where id = md5('inv2')::uuid $$),
    0, 'the gm cannot delete another campaign''s invitation'
);
update public.campaign_invitations set revoked_at = now()
where id = md5('inv1')::uuid;

-- ============================================================================ admin
select pg_temp.act_as('admin');
select is(
    pg_temp.visible('campaign_invitations', array['inv1', 'inv2']), '{}'::text[],
    'an admin does not see invitation codes'
);
select throws_ok(
    $$ select public.join_campaign('code-one') $$, 'PT404', null, 'a revoked code is refused'
);

select finish();
rollback;
