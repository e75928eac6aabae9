-- Purpose: addresses are validated as GoTrue validates them (issue 20, admin API parity): the
-- format its checkmail library accepts (RFC 5322 dot-atom local part, DNS-label domain) and at
-- most 255 characters, with GoTrue's messages. Unlike checkmail, the domain needs a dot, as it
-- did here before (user@gmail is a typo, not an address).
-- Affected: function auth.check_email(text) (replaced whole).
-- Used by sign-up, the email flows, PUT /user and the admin API alike.

create or replace function auth.check_email(email text)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
    normalized text := pg_catalog.lower(pg_catalog.btrim(email));
begin
    if coalesce(normalized, '') = '' then
        perform auth.fail(400, 'validation_failed', 'An email address is required');
    end if;
    if pg_catalog.length(normalized) > 255 then
        perform auth.fail(400, 'validation_failed', 'An email address is too long');
    end if;
    if normalized !~ (
        '^[a-z0-9.!#$%&''*+/=?^_`{|}~-]+@[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?'
        '(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$'
    ) then
        perform auth.fail(
            400, 'validation_failed', 'Unable to validate email address: invalid format'
        );
    end if;
    return normalized;
end
$$;
