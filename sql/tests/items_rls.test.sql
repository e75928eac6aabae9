-- RLS of public.items: published items for everyone, drafts and writes for content editors.

begin;
set local search_path = public, extensions;
select plan(16);

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

insert into auth.users (id, email) values (md5('editor')::uuid, 'editor@pgtap.test');
insert into app_private.user_roles (user_id, role) values (md5('editor')::uuid, 'content_editor');
insert into public.items (id, name, kind, is_published) values
(md5('item_pub')::uuid, 'Dictionary', 'book', true),
(md5('item_draft')::uuid, 'Amulet', 'trinket', false);

-- ============================================================================ structure
select policies_are(
    'public', 'items',
    array[
        'Anyone reads published items',
        'Users read published items and editors read drafts',
        'Editors create items and publishers publish them',
        'Editors edit drafts and publishers edit published items',
        'Editors delete drafts and publishers delete published items'
    ],
    'items has exactly its policies'
);
select ok(
    (
        select c.relrowsecurity from pg_class as c
        where c.oid = 'public.items'::regclass
    ),
    'RLS is enabled on items'
);

-- ============================================================================ anon
select pg_temp.act_as('anon');
select is(
    pg_temp.visible('items', array['item_pub', 'item_draft']), array['item_pub'],
    'anon reads published items'
);
select throws_ok(
    $$ insert into public.items (name, kind) values ('Quill', 'tool') $$,
    '42501', null, 'anon cannot create items'
);

-- ============================================================================ player
select pg_temp.act_as('player');
select is(
    pg_temp.visible('items', array['item_pub', 'item_draft']), array['item_pub'],
    'a player reads published items only'
);
select throws_ok(
    $$ insert into public.items (name, kind) values ('Quill', 'tool') $$,
    '42501', null, 'a player cannot create items'
);
select is(
    pg_temp.affected($$ update public.items set name = 'X' where id = md5('item_pub')::uuid $$),
    0, 'a player cannot edit items'
);
select is(
    pg_temp.affected($$ delete from public.items where id = md5('item_pub')::uuid $$),
    0, 'a player cannot delete items'
);

-- ============================================================================ another player
select pg_temp.act_as('other');
select is(
    pg_temp.visible('items', array['item_pub', 'item_draft']), array['item_pub'],
    'every player reads the same catalogue'
);

-- ============================================================================ game master
select pg_temp.act_as('gm');
select is(
    pg_temp.affected($$ update public.items set name = 'X' where id = md5('item_pub')::uuid $$),
    0, 'a gm cannot edit the catalogue'
);

-- ============================================================================ content editor
select pg_temp.act_as('editor');
select is(
    pg_temp.visible('items', array['item_pub', 'item_draft']), array['item_draft', 'item_pub'],
    'a content editor reads drafts'
);
select lives_ok(
    $$ insert into public.items (name, kind, is_published) values ('Quill', 'tool', true) $$,
    'a content editor creates and publishes an item'
);
select is(
    pg_temp.affected($$
        update public.items set is_published = true where id = md5('item_draft')::uuid
    $$),
    1, 'a content editor publishes a draft'
);
select throws_ok(
    $$ insert into public.items (name, kind) values ('Bad', 'spaceship') $$,
    '23514', null, 'item kinds are checked'
);

-- ============================================================================ admin
select pg_temp.act_as('admin');
select is(
    pg_temp.visible('items', array['item_pub', 'item_draft']), array['item_draft', 'item_pub'],
    'an admin reads drafts'
);
select is(
    pg_temp.affected($$ delete from public.items where id = md5('item_draft')::uuid $$),
    1, 'an admin deletes items'
);

select finish();
rollback;
