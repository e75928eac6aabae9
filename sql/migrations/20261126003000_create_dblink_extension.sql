-- Purpose: dblink, so a rate-limit charge can commit on its own connection (autonomously).
-- Affected: extension dblink (schema extensions); EXECUTE on its functions revoked from public.
-- A dblink connection belongs to the backend, not to a role: any role of the session that could
-- call dblink() would use the rate limiter's connection, or open connections elsewhere. Only the
-- table owner (definer functions in rate_limit) may call dblink.

create extension if not exists dblink with schema extensions;

do $$
declare
    fn regprocedure;
begin
    for fn in
        select d.objid::regprocedure
        from pg_catalog.pg_depend as d
        inner join pg_catalog.pg_extension as e on d.refobjid = e.oid
        where
            d.classid = 'pg_catalog.pg_proc'::regclass
            and d.refclassid = 'pg_catalog.pg_extension'::regclass
            and d.deptype = 'e'
            and e.extname = 'dblink'
    loop
        execute pg_catalog.format(
            'revoke all on function %s from public, anon, authenticated, service_role', fn
        );
    end loop;
end
$$;
