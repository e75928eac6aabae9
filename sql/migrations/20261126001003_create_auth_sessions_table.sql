-- Purpose: sign-in sessions; each access token names its session (claim session_id).
-- Affected: table auth.sessions (no API role privileges; RLS enabled, no policies), its index.
-- A session ends when revoked (sign-out, refresh-token reuse, ban, admin delete); the pre-request
-- hook rejects access tokens of ended sessions through auth.session_is_active().

create table auth.sessions (
    id uuid primary key default gen_random_uuid(),
    user_id uuid not null references auth.users (id) on delete cascade,
    created_at timestamptz not null default now(),
    refreshed_at timestamptz,
    revoked_at timestamptz,
    revoked_reason text,
    aal text not null default 'aal1',
    user_agent text,
    ip inet,
    constraint sessions_revoked_reason_with_time check (
        (revoked_at is null) = (revoked_reason is null)
    )
);

comment on table auth.sessions is
'Sign-in sessions; revoked_at set = ended (reason: logout, token_reuse, banned, admin).';

revoke all on table auth.sessions from public, anon, authenticated, service_role;

alter table auth.sessions enable row level security;

create index sessions_user_id_idx on auth.sessions (user_id);
