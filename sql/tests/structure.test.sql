-- Structure: private schemas stay private, definer functions are pinned, exposed tables have RLS.

begin;
set local search_path = public, extensions, tests;
select plan(12);

select is(
    (
        select count(*)::integer from pg_proc as p
        where
            p.prosecdef
            and p.pronamespace::regnamespace::text
            not in ('pg_catalog', 'information_schema', 'extensions')
            and not exists (
                select from unnest(coalesce(p.proconfig, '{}')) as s (setting)
                where s.setting like 'search\_path=%'
            )
    ),
    0,
    'every SECURITY DEFINER function fixes its search_path'
);
select is(
    (
        select count(*)::integer from pg_class as c
        where
            c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
            and (
                not c.relrowsecurity
                or not exists (
                    select from pg_policy as p
                    where p.polrelid = c.oid
                )
            )
    ),
    0,
    'every exposed table has RLS enabled and at least one policy'
);
select is(
    (
        select count(*)::integer from pg_class as c
        where
            c.relnamespace = 'public'::regnamespace and c.relkind = 'v'
            and not coalesce('security_invoker=true' = any(c.reloptions), false)
            and not coalesce('security_invoker=on' = any(c.reloptions), false)
    ),
    0,
    'no exposed view bypasses RLS'
);
select ok(
    not has_table_privilege('anon', 'audit.record_version', 'select'),
    'anon cannot read the audit log'
);
select ok(
    not has_table_privilege('authenticated', 'audit.record_version', 'insert'),
    'signed-in users cannot write the audit log'
);
select ok(
    not has_table_privilege('authenticated', 'rate_limit.buckets', 'update'),
    'signed-in users cannot touch rate-limit buckets'
);
select ok(
    not has_function_privilege(
        'authenticated',
        'rate_limit.try_take(text, text, integer, double precision, integer)',
        'execute'
    ),
    'clients cannot drain other people''s buckets'
);
select ok(
    not has_column_privilege('authenticated', 'public.characters', 'xp', 'update'),
    'clients never write xp'
);
select ok(
    not has_table_privilege('authenticated', 'public.dice_rolls', 'update, delete'),
    'clients never change dice rolls'
);
select col_not_null('public', 'dice_rolls', 'server_seed_hash', 'rolls carry their fairness hash');
select has_trigger('public', 'campaigns', 'campaigns_add_owner_as_gm', 'owners become gms');
select has_trigger('auth', 'users', 'users_create_profile', 'users get profiles');

select finish();
rollback;
