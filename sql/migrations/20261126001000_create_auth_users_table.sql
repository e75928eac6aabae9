-- Purpose: the accounts behind Supabase-style auth (email + bcrypt password, metadata, bans).
-- Affected: table auth.users (no API role privileges; RLS enabled, no policies).
-- Only the auth schema's SECURITY DEFINER functions read or write it; clients see users through
-- them.

create table auth.users (
    id uuid primary key default gen_random_uuid(),
    email extensions.citext not null unique,
    encrypted_password text,
    email_confirmed_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    last_sign_in_at timestamptz,
    banned_until timestamptz,
    raw_app_meta_data jsonb not null default '{}',
    raw_user_meta_data jsonb not null default '{}'
);

comment on table auth.users is
'Accounts: email (case-insensitive), bcrypt password hash, confirmation, sign-in and ban times.';
comment on column auth.users.encrypted_password is
'bcrypt hash from extensions.crypt(password, extensions.gen_salt(''bf'', 10)); null = no password.';
comment on column auth.users.banned_until is
'Sign-in and refresh are refused while now() < banned_until.';
comment on column auth.users.raw_app_meta_data is
'Server-controlled metadata (provider, providers); app roles live in the RBAC tables.';
comment on column auth.users.raw_user_meta_data is
'User-editable metadata (sign-up data, PUT /user data); never used for authorisation.';

revoke all on table auth.users from public, anon, authenticated, service_role;

alter table auth.users enable row level security;
