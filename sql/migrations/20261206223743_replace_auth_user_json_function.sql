-- Purpose: the user object lists its MFA factors (issue 20), as GoTrue's `factors` (omitted when
-- there are none); supabase-js/py mfa.listFactors and getAuthenticatorAssuranceLevel read it.
-- Affected: function auth.user_json(auth.users) (replaced whole: `factors` added).

create or replace function auth.user_json(account auth.users)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    factors jsonb := auth.factors_json(account.id);
    result jsonb := pg_catalog.jsonb_build_object(
        'id', account.id,
        'aud', 'authenticated',
        'role', 'authenticated',
        'email', coalesce(account.email::text, ''),
        'email_confirmed_at', auth.iso_time(account.email_confirmed_at),
        'phone', '',
        'confirmed_at', auth.iso_time(account.email_confirmed_at),
        'last_sign_in_at', auth.iso_time(account.last_sign_in_at),
        'banned_until', auth.iso_time(account.banned_until),
        'app_metadata', auth.app_metadata(account),
        'user_metadata', account.raw_user_meta_data,
        'identities', auth.identities_json(account.id),
        'factors', nullif(factors, '[]'::jsonb),
        'created_at', auth.iso_time(account.created_at),
        'updated_at', auth.iso_time(account.updated_at),
        'is_anonymous', account.is_anonymous
    );
begin
    -- Unset optional times (and an empty factor list) are omitted, as GoTrue does.
    return result - array(
        select key from pg_catalog.jsonb_each(result) where value = 'null'::jsonb
    );
end
$$;
