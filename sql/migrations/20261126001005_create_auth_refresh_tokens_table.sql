-- Purpose: single-use refresh tokens, stored only as sha256 hashes, rotated on every refresh.
-- Affected: table auth.refresh_tokens (no API role privileges; RLS enabled, no policies), index.
-- A used token stays (used_at set) so that presenting it again is recognised as reuse, which
-- revokes its whole session.

create table auth.refresh_tokens (
    token_hash bytea primary key,
    session_id uuid not null references auth.sessions (id) on delete cascade,
    created_at timestamptz not null default now(),
    used_at timestamptz,
    constraint refresh_tokens_sha256 check (octet_length(token_hash) = 32)
);

comment on table auth.refresh_tokens is
'sha256 of each issued refresh token; used_at set once it was exchanged (single use).';

revoke all on table auth.refresh_tokens from public, anon, authenticated, service_role;

alter table auth.refresh_tokens enable row level security;

create index refresh_tokens_session_id_idx on auth.refresh_tokens (session_id);
