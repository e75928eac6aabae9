-- Purpose: a social provider's user gets no `email` identity (issue 20, GoTrue's identities):
-- the trigger that gives every account with an address an `email` identity now skips accounts
-- whose sign-in provider is a social one and that have no password, so a Google user lists
-- only its google identity (and cannot unlink its last one).
-- Affected: function app_private.sync_email_identity() (replaced whole; the trigger stays).
-- Email accounts (provider email or none yet) and accounts with a password keep theirs.

create or replace function app_private.sync_email_identity()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    if coalesce(new.raw_app_meta_data ->> 'provider', 'email') <> 'email'
        and new.encrypted_password is null
    then
        return null;
    end if;
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
'Trigger: create or refresh the user''s `email` identity when the address is set or confirmed '
'(not for a social provider''s user without a password).';
