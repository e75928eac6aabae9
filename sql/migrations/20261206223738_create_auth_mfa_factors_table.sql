-- Purpose: MFA factors as GoTrue keeps them (issue 20): one row per TOTP authenticator a user
-- enrolled, unverified until its first code is verified.
-- Affected: table auth.mfa_factors (no API role privileges; RLS enabled, no policies), indexes.
-- The TOTP secret is kept in clear (as GoTrue does without its optional encryption key) in a
-- table no API role can read; only auth.mfa_verification_secret (service role) returns it, to
-- the auth server, which checks the codes with pyotp. last_verified_step is the TOTP time step
-- of the last accepted code: a code of that step or an earlier one is refused (no replay within
-- its 30-second window).

create table auth.mfa_factors (
    id uuid primary key default gen_random_uuid(),
    user_id uuid not null references auth.users (id) on delete cascade,
    friendly_name text not null default '',
    factor_type text not null,
    status text not null default 'unverified',
    secret text not null,
    last_verified_step bigint,
    last_challenged_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint mfa_factors_factor_type_check check (factor_type = 'totp'),
    constraint mfa_factors_status_check check (status in ('unverified', 'verified')),
    constraint mfa_factors_secret_check check (secret ~ '^[A-Z2-7]{16,128}$'),
    constraint mfa_factors_friendly_name_check check (pg_catalog.length(friendly_name) <= 255)
);

comment on table auth.mfa_factors is
'MFA factors (TOTP) per user: status unverified until the first verified code; the secret and '
'the last accepted time step (replay guard) are for the auth server only.';

revoke all on table auth.mfa_factors from public, anon, authenticated, service_role;

alter table auth.mfa_factors enable row level security;

create index mfa_factors_user_id_idx on auth.mfa_factors (user_id);

-- GoTrue: a friendly name is unique per user (an empty one is no name).
create unique index mfa_factors_user_id_friendly_name_key on auth.mfa_factors (
    user_id, friendly_name
) where friendly_name <> '';
