-- Purpose: small helpers shared by the auth functions: errors, time format, input checks.
-- Affected: functions auth.fail(integer, text, text, jsonb), auth.iso_time(timestamptz),
-- auth.check_email(text), auth.check_password(text), auth.hash_password(text),
-- auth.check_metadata(jsonb).
-- Plain (invoker) functions with no API grants: only the auth definer functions call them.

create function auth.fail(status integer, error_code text, message text, extra jsonb default null)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
    if extra is null then
        raise exception using errcode = 'PT' || status::text, message = message, hint = error_code;
    end if;
    raise exception using
        errcode = 'PT' || status::text, message = message, hint = error_code, detail = extra::text;
end
$$;

comment on function auth.fail(integer, text, text, jsonb) is
'Raise PT<status> with hint = GoTrue error_code and detail = extra response fields (JSON).';

create function auth.iso_time(value timestamptz)
returns text
language sql
stable
strict
set search_path = ''
as $$
    select pg_catalog.to_char(value at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

comment on function auth.iso_time(timestamptz) is
'RFC 3339 UTC time with microseconds, as GoTrue writes timestamps.';

create function auth.check_email(email text)
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
    if pg_catalog.length(normalized) > 255
        or normalized !~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:].]+$'
    then
        perform auth.fail(
            400, 'validation_failed', 'Unable to validate email address: invalid format'
        );
    end if;
    return normalized;
end
$$;

comment on function auth.check_email(text) is
'Trimmed, lowercased email; raises 400 validation_failed when it is not an email.';

create function auth.check_password(password text)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
    if coalesce(password, '') = '' then
        perform auth.fail(422, 'validation_failed', 'Signup requires a valid password');
    end if;
    if pg_catalog.length(password) < 8 then
        perform auth.fail(
            422,
            'weak_password',
            'Password should be at least 8 characters.',
            '{"weak_password": {"reasons": ["length"]}}'
        );
    end if;
    -- bcrypt ignores everything after 72 bytes; refuse rather than silently truncate.
    if pg_catalog.octet_length(password) > 72 then
        perform auth.fail(422, 'validation_failed', 'Password cannot be longer than 72 bytes');
    end if;
end
$$;

comment on function auth.check_password(text) is
'Raises 422 weak_password below 8 characters, 422 validation_failed when missing or > 72 bytes.';

create function auth.hash_password(password text)
returns text
language sql
volatile
strict
set search_path = ''
as $$
    select extensions.crypt(password, extensions.gen_salt('bf', 10))
$$;

comment on function auth.hash_password(text) is 'bcrypt hash with cost 10.';

create function auth.check_metadata(metadata jsonb)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
begin
    if pg_catalog.jsonb_typeof(metadata) is distinct from 'object' then
        perform auth.fail(400, 'validation_failed', 'metadata must be a JSON object');
    end if;
    -- Metadata rides in every access token; keep tokens well below HTTP header limits.
    if pg_catalog.octet_length(metadata::text) > 8192 then
        perform auth.fail(400, 'validation_failed', 'metadata must not exceed 8 KB');
    end if;
    return metadata;
end
$$;

comment on function auth.check_metadata(jsonb) is
'The metadata, if it is a JSON object of at most 8 KB; else 400 validation_failed.';
