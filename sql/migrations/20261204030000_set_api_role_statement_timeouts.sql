-- Purpose: every API statement has a time limit, per role as Supabase sets them: anon 3 s,
-- authenticated 8 s, and 8 s for the login role authenticator. service_role has none of its
-- own, so it keeps the login session's 8 s (Supabase documents the same fallback).
-- Affected: role settings (cluster-wide) of anon, authenticated and authenticator; function
-- app_private.apply_role_settings(text, boolean).
-- A login role's settings apply when its session starts, never on `set role`; so, as PostgREST
-- does, the servers apply the impersonated role's settings in each transaction: the REST server
-- from its schema cache, auth, dice and the content functions through
-- app_private.apply_role_settings. To change a limit, add a migration with
-- `alter role <role> set statement_timeout = '<n>s'` (`... in database <db> set ...` for one
-- database); `rfl migrate` then tells the REST server to reload its cache.

alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';
alter role authenticator set statement_timeout = '8s';

create function app_private.apply_role_settings(role_name text, is_local boolean default true)
returns integer
language sql
volatile
set search_path = ''
as $$
    -- A database-specific setting (alter role ... in database) wins over the role's general one;
    -- only settings an unprivileged session may change (context 'user') are applied.
    select pg_catalog.count(pg_catalog.set_config(kv.name, kv.value, is_local))::integer
    from (
        select distinct on (pg_catalog.split_part(c.setting, '=', 1))
            pg_catalog.split_part(c.setting, '=', 1) as name,
            pg_catalog.substr(c.setting, pg_catalog.strpos(c.setting, '=') + 1) as value
        from pg_catalog.pg_db_role_setting as s
        cross join lateral pg_catalog.unnest(s.setconfig) as c (setting)
        where
            s.setrole = (
                select r.oid from pg_catalog.pg_roles as r
                where r.rolname = role_name
            )
            and s.setdatabase in (
                0,
                (
                    select d.oid from pg_catalog.pg_database as d
                    where d.datname = pg_catalog.current_database()
                )
            )
        order by pg_catalog.split_part(c.setting, '=', 1), s.setdatabase desc
    ) as kv
    inner join pg_catalog.pg_settings as p on p.name = kv.name and p.context = 'user'
$$;

comment on function app_private.apply_role_settings(text, boolean) is
'Applies a role''s own settings (pg_db_role_setting, context user) to this transaction, or to the
session when is_local is false, as PostgREST applies the impersonated role''s settings; returns
how many were set. Called after switching role, since `set role` applies none of them.';

grant execute on function app_private.apply_role_settings(text, boolean)
to authenticator, anon, authenticated, service_role;
