-- Purpose: OAuth sign-ins in flight (issue 20): GoTrue's flow_state, one row from /authorize
-- to /callback (the provider-side state, PKCE verifier and nonce) and, for `flow_type: pkce`,
-- on to /token?grant_type=pkce (the app's code challenge and the auth code handed to it).
-- Affected: table auth.flow_state (no API role privileges; RLS enabled, no policies).
-- GoTrue's columns, plus what the provider leg needs: state_hash (SHA-256 of the state sent to
-- the provider, cleared when used), provider_code_verifier, nonce, redirect_to, linking_user_id.

create table auth.flow_state (
    id uuid primary key default gen_random_uuid(),
    user_id uuid references auth.users (id) on delete cascade,
    auth_code text,
    code_challenge_method text,
    code_challenge text,
    provider_type text not null,
    provider_access_token text,
    provider_refresh_token text,
    authentication_method text not null default 'oauth',
    auth_code_issued_at timestamptz,
    state_hash bytea,
    provider_code_verifier text,
    nonce text,
    redirect_to text not null,
    linking_user_id uuid references auth.users (id) on delete cascade,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint flow_state_code_challenge_method_check check (
        code_challenge_method in ('s256', 'plain')
    ),
    constraint flow_state_auth_code_key unique (auth_code),
    constraint flow_state_state_hash_key unique (state_hash)
);

comment on table auth.flow_state is
'OAuth sign-ins in flight: provider state, PKCE verifier, nonce, and the PKCE auth code.';

revoke all on table auth.flow_state from public, anon, authenticated, service_role;

alter table auth.flow_state enable row level security;

create index flow_state_created_at_idx on auth.flow_state (created_at);
