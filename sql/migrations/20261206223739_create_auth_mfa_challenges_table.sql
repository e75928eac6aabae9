-- Purpose: MFA challenges (issue 20): POST /factors/{id}/challenge creates one, a verification
-- spends it; it lives [auth.mfa] challenge_expiry seconds and only verifies from the client
-- address that created it (GoTrue's mfa_ip_address_mismatch).
-- Affected: table auth.mfa_challenges (no API role privileges; RLS enabled, no policies), index.

create table auth.mfa_challenges (
    id uuid primary key default gen_random_uuid(),
    factor_id uuid not null references auth.mfa_factors (id) on delete cascade,
    created_at timestamptz not null default now(),
    ip_address inet
);

comment on table auth.mfa_challenges is
'Open MFA challenges: created by /factors/{id}/challenge, deleted by their verification.';

revoke all on table auth.mfa_challenges from public, anon, authenticated, service_role;

alter table auth.mfa_challenges enable row level security;

create index mfa_challenges_factor_id_idx on auth.mfa_challenges (factor_id);
