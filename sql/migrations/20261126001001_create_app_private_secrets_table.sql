-- Purpose: server-side secrets (JWT signing key, token lifetime) out of every API role's reach.
-- Affected: table app_private.secrets (owner-only; RLS enabled, no policies).
-- The stack and the test template upsert the rows jwt_secret and jwt_exp after migrations.

create table app_private.secrets (
    name text primary key,
    value text not null
);

comment on table app_private.secrets is
'Named server secrets (jwt_secret, jwt_exp in seconds); readable only by the owner.';

revoke all on table app_private.secrets from public, anon, authenticated, service_role;

alter table app_private.secrets enable row level security;
