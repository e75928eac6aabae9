-- Purpose: the password rules come from the auth server's settings (issue 20): GoTrue's minimum
-- length and required characters ([auth] minimum_password_length, password_requirements).
-- Affected: function auth.check_password(text) (replaced whole; immutable -> stable).
-- The auth server passes them as transaction settings (ADR 0026): auth.password_min_length (a
-- number) and auth.password_required_characters (a JSON array of character sets, each needing
-- one character). Unset (SQL called directly, as pgTAP does) they are 8 and none, the rules so
-- far. The answer is GoTrue's 422 weak_password with its reasons (length, characters).

create or replace function auth.check_password(password text)
returns void
language plpgsql
stable
set search_path = ''
as $$
declare
    min_length integer := coalesce(
        nullif(pg_catalog.current_setting('auth.password_min_length', true), '')::integer, 8
    );
    required jsonb := coalesce(
        nullif(pg_catalog.current_setting('auth.password_required_characters', true), '')::jsonb,
        '[]'
    );
    missing text[] := array(
        select r.value
        from pg_catalog.jsonb_array_elements_text(required) with ordinality as r (value, position)
        where not exists (
            select from pg_catalog.regexp_split_to_table(r.value, '') as c (value)
            where pg_catalog.strpos(password, c.value) > 0
        )
        order by r.position
    );
    reasons text[] := '{}';
begin
    if coalesce(password, '') = '' then
        perform auth.fail(422, 'validation_failed', 'Signup requires a valid password');
    end if;
    -- bcrypt ignores everything after 72 bytes; refuse rather than silently truncate.
    if pg_catalog.octet_length(password) > 72 then
        perform auth.fail(422, 'validation_failed', 'Password cannot be longer than 72 bytes');
    end if;
    if pg_catalog.length(password) < min_length then
        reasons := reasons || 'length'::text;
    end if;
    if pg_catalog.cardinality(missing) > 0 then
        reasons := reasons || 'characters'::text;
    end if;
    if pg_catalog.cardinality(reasons) > 0 then
        perform auth.fail(
            422,
            'weak_password',
            case
                when reasons[1] = 'length' then
                    pg_catalog.format('Password should be at least %s characters.', min_length)
                else
                    'Password should contain at least one character of each: '
                    || pg_catalog.array_to_string(
                        array(select pg_catalog.jsonb_array_elements_text(required)), ', '
                    ) || '.'
            end,
            pg_catalog.jsonb_build_object(
                'weak_password', pg_catalog.jsonb_build_object('reasons', reasons)
            )
        );
    end if;
end
$$;

comment on function auth.check_password(text) is
'Raises 422 weak_password (reasons length, characters) against the auth server''s rules '
'(settings auth.password_min_length, default 8, and auth.password_required_characters), 422 '
'validation_failed when missing or > 72 bytes.';
