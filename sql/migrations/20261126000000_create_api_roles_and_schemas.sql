-- Purpose: the roles the protocols switch between and the schemas later migrations fill.
-- Affected: roles anon, authenticated, service_role, authenticator; schemas extensions, auth,
-- app_private, audit, rate_limit; default privileges on functions.
-- Roles are cluster-wide, so each is created only when missing (test databases share a cluster).

do $$
begin
    if not exists (select from pg_catalog.pg_roles where rolname = 'anon') then
        create role anon nologin noinherit;
    end if;
    if not exists (select from pg_catalog.pg_roles where rolname = 'authenticated') then
        create role authenticated nologin noinherit;
    end if;
    if not exists (select from pg_catalog.pg_roles where rolname = 'service_role') then
        create role service_role nologin noinherit bypassrls;
    end if;
    if not exists (select from pg_catalog.pg_roles where rolname = 'authenticator') then
        create role authenticator login noinherit;
    end if;
    grant anon, authenticated, service_role to authenticator;
end
$$;

-- The gateway's health check reads the applied version as the API login role.
grant usage on schema supabase_migrations to authenticator;
grant select on supabase_migrations.schema_migrations to authenticator;

create schema if not exists extensions;
grant usage on schema extensions to anon, authenticated, service_role;
create extension if not exists pgcrypto with schema extensions;
create extension if not exists citext with schema extensions;

-- Supabase-compatible auth internals: users, sessions, tokens, and the claim readers.
create schema if not exists auth;
-- Security-definer helpers for policies and RPCs; never exposed over the API.
create schema if not exists app_private;
-- The append-only, hash-chained audit log.
create schema if not exists audit;
-- Token buckets behind the pre-request hook and per-action limits.
create schema if not exists rate_limit;

revoke all on schema public from public;
grant usage on schema public to anon, authenticated, service_role;
grant usage on schema auth to anon, authenticated, service_role;

-- Functions are private until a migration grants EXECUTE with the full signature.
alter default privileges revoke execute on functions from public;
alter default privileges in schema public revoke execute on functions from public;
