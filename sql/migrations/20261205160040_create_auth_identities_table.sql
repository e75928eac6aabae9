-- Purpose: identities as GoTrue keeps them: one row per way a user signs in (so far only
-- `email`), created with the account and kept in step with its address.
-- Affected: table auth.identities (no API role privileges; RLS enabled, no policies); function
-- app_private.sync_email_identity() and trigger users_sync_email_identity on auth.users.
-- Every account with an email gets an `email` identity (provider_id = the user id, as GoTrue);
-- a guest gets one when converted. Existing accounts are backfilled.

create table auth.identities (
    id uuid primary key default gen_random_uuid(),
    user_id uuid not null references auth.users (id) on delete cascade,
    provider text not null,
    provider_id text not null,
    identity_data jsonb not null default '{}',
    last_sign_in_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint identities_provider_id_provider_key unique (provider_id, provider)
);

comment on table auth.identities is
'Sign-in identities of each user (provider, provider_id, identity_data), as GoTrue reports them.';

revoke all on table auth.identities from public, anon, authenticated, service_role;

alter table auth.identities enable row level security;

create index identities_user_id_idx on auth.identities (user_id);

create function app_private.sync_email_identity()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    insert into auth.identities (user_id, provider, provider_id, identity_data, last_sign_in_at)
    values (
        new.id, 'email', new.id::text,
        pg_catalog.jsonb_build_object(
            'sub', new.id::text,
            'email', new.email::text,
            'email_verified', new.email_confirmed_at is not null,
            'phone_verified', false
        ),
        new.last_sign_in_at
    )
    on conflict (provider_id, provider) do update
    set identity_data = excluded.identity_data, updated_at = pg_catalog.now();
    return null;
end
$$;

comment on function app_private.sync_email_identity() is
'Trigger: create or refresh the user''s `email` identity when the address is set or confirmed.';

revoke all on function app_private.sync_email_identity() from public;

create trigger users_sync_email_identity
after insert or update of email, email_confirmed_at on auth.users
for each row
when (new.email is not null)
execute function app_private.sync_email_identity();

insert into auth.identities (user_id, provider, provider_id, identity_data, last_sign_in_at)
select
    u.id,
    'email' as provider,
    u.id::text as provider_id,
    pg_catalog.jsonb_build_object(
        'sub', u.id::text,
        'email', u.email::text,
        'email_verified', u.email_confirmed_at is not null,
        'phone_verified', false
    ) as identity_data,
    u.last_sign_in_at
from auth.users as u
where u.email is not null
on conflict (provider_id, provider) do nothing;
