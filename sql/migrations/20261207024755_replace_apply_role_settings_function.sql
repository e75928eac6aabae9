-- Purpose: make app_private.apply_role_settings cheap enough for every API transaction (issue
-- 19). The SQL version joined pg_settings to keep only settings of context 'user'; that view
-- computes every one of the server's ~350 settings on each call, ~0.4 ms, a quarter of an auth
-- refresh's database time. Now the role's settings are read by the role's oid (a syscache
-- lookup) and each is applied in its own exception block: a setting this session may not change
-- (context superuser without a SET grant, sighup, backend, postmaster) raises 42501 or 55P02
-- and is skipped, as before. One difference: a superuser setting the role was granted SET on
-- (PostgreSQL 15's GRANT SET ON PARAMETER) is now applied, as the role's own login would.
-- Affected: function app_private.apply_role_settings(text, boolean) (same signature, grants
-- and comment).

create or replace function app_private.apply_role_settings(
    role_name text, is_local boolean default true
)
returns integer
language plpgsql
volatile
set search_path = ''
as $$
declare
    setting record;
    applied integer := 0;
begin
    -- A database-specific setting (alter role ... in database) wins over the role's general one.
    for setting in
        select distinct on (pg_catalog.split_part(c.setting, '=', 1))
            pg_catalog.split_part(c.setting, '=', 1) as name,
            pg_catalog.substr(c.setting, pg_catalog.strpos(c.setting, '=') + 1) as value
        from pg_catalog.pg_db_role_setting as s
        cross join lateral pg_catalog.unnest(s.setconfig) as c (setting)
        where
            s.setrole = pg_catalog.to_regrole(pg_catalog.quote_ident(role_name))
            and s.setdatabase in (
                0,
                (
                    select d.oid from pg_catalog.pg_database as d
                    where d.datname = pg_catalog.current_database()
                )
            )
        order by pg_catalog.split_part(c.setting, '=', 1), s.setdatabase desc
    loop
        begin
            perform pg_catalog.set_config(setting.name, setting.value, is_local);
            applied := applied + 1;
        exception when insufficient_privilege or cant_change_runtime_param then
            -- Only a superuser (or the server's configuration) may change it: leave it alone.
            null;
        end;
    end loop;
    return applied;
end;
$$;
