-- Purpose: how each session was authenticated (GoTrue's mfa_amr_claims): the access token's
-- `amr` entries, newest first, kept across refreshes (issue 20).
-- Affected: table auth.mfa_amr_claims (no API role privileges; RLS enabled, no policies).
-- A session without rows reports its first factor as before (password, or anonymous for a
-- guest); a TOTP verification adds `totp`; other sign-in methods (oauth, otp) add their own.

create table auth.mfa_amr_claims (
    id uuid primary key default gen_random_uuid(),
    session_id uuid not null references auth.sessions (id) on delete cascade,
    authentication_method text not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint mfa_amr_claims_session_id_authentication_method_key unique (
        session_id, authentication_method
    ),
    constraint mfa_amr_claims_authentication_method_check check (
        authentication_method ~ '^[a-z0-9_/]{1,40}$'
    )
);

comment on table auth.mfa_amr_claims is
'Authentication methods of each session (the token''s amr), e.g. password then totp.';

revoke all on table auth.mfa_amr_claims from public, anon, authenticated, service_role;

alter table auth.mfa_amr_claims enable row level security;
