-- Purpose: the login role rate-limit charges run as on their own (dblink) connection.
-- Affected: role rate_limiter (cluster-wide, created when missing); USAGE on schema rate_limit;
-- EXECUTE on rate_limit.try_take(text, text, integer, double precision, integer).
-- try_take is SECURITY DEFINER, so these two grants are all the role needs; it gets nothing
-- else (no API role, no schema public, no table). Its password is set by the stack (like
-- authenticator's) and kept in app_private.secrets 'rate_limiter_password' for the dblink call.

do $$
begin
    if not exists (select from pg_catalog.pg_roles where rolname = 'rate_limiter') then
        create role rate_limiter login noinherit;
    end if;
end
$$;

comment on role rate_limiter is
'Runs rate_limit.try_take on a dblink connection so a charge commits apart from the request.';

grant usage on schema rate_limit to rate_limiter;

grant execute on function rate_limit.try_take(
    text, text, integer, double precision, integer
) to rate_limiter;
