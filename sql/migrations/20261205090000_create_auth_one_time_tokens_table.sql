-- Purpose: the single-use, short-lived secrets that email flows send (issue 20): a link token
-- and a 6-digit code per (user, kind), both stored as SHA-256 hashes only.
-- Affected: table auth.one_time_tokens (no API role privileges; RLS enabled, no policies);
-- rate_limit.limits rows for the email flows.
-- The code's hash covers the address it was sent to, so a code is worthless for another email.
-- A new token of the same kind replaces the previous one; using a token deletes it.

create table auth.one_time_tokens (
    id uuid primary key default gen_random_uuid(),
    user_id uuid not null references auth.users (id) on delete cascade,
    token_type text not null,
    email extensions.citext not null,
    token_hash bytea not null,
    code_hash bytea not null,
    redirect_to text,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    constraint one_time_tokens_token_type_check check (
        token_type in ('confirmation', 'recovery', 'magiclink', 'invite')
    ),
    constraint one_time_tokens_user_id_token_type_key unique (user_id, token_type),
    constraint one_time_tokens_token_hash_key unique (token_hash)
);

create index one_time_tokens_code_hash_idx on auth.one_time_tokens (code_hash);

comment on table auth.one_time_tokens is
'Email-flow secrets (confirmation, recovery, magic link, invite): SHA-256 of the link token and '
'of address:code; single-use (deleted when used), valid until expires_at.';
comment on column auth.one_time_tokens.code_hash is
'sha256(lower(email) || '':'' || code): the 6-digit code only verifies with the address it was '
'sent to.';

revoke all on table auth.one_time_tokens from public, anon, authenticated, service_role;

alter table auth.one_time_tokens enable row level security;

insert into rate_limit.limits (action, capacity, refill_per_second, description) values
(
    'auth.email_send.email', 1, 1.0 / 60,
    'Emails of the auth flows per address: one a minute (GoTrue''s smtp_max_frequency).'
),
(
    'auth.email_send.address', 30, 1.0 / 120,
    'Emails of the auth flows per client address: 30, then one every 2 minutes.'
),
(
    'auth.verify.email', 10, 1.0 / 60,
    'Code verifications per address: 10, then one a minute (6-digit codes are guessable).'
),
(
    'auth.verify.address', 30, 0.1,
    'Link and code verifications per client address: 30, then one every 10 seconds.'
)
on conflict (action) do nothing;
