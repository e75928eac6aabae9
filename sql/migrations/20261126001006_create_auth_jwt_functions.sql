-- Purpose: HS256 JSON Web Tokens in SQL (what the pgjwt extension does), on pgcrypto's HMAC.
-- Affected: functions auth.base64url_encode(bytea), auth.base64url_decode(text),
-- auth.jwt_sign(jsonb, text), auth.jwt_verify(text, text).
-- Plain (invoker) functions with no API grants: only the auth definer functions call them.
-- Verification errors raise PT401 with hint bad_jwt.

create function auth.base64url_encode(data bytea)
returns text
language sql
immutable
strict
set search_path = ''
as $$
    select pg_catalog.translate(
        pg_catalog.rtrim(pg_catalog.encode(data, 'base64'), '='), E'+/\n', '-_'
    )
$$;

comment on function auth.base64url_encode(bytea) is 'base64url without padding (RFC 7515 §2).';

create function auth.base64url_decode(data text)
returns bytea
language plpgsql
immutable
strict
set search_path = ''
as $$
begin
    if data !~ '^[A-Za-z0-9_-]*$' or pg_catalog.length(data) % 4 = 1 then
        raise exception using
            errcode = '22023', message = 'invalid base64url text';
    end if;
    return pg_catalog.decode(
        pg_catalog.rpad(
            pg_catalog.translate(data, '-_', '+/'),
            4 * ((pg_catalog.length(data) + 3) / 4),
            '='
        ),
        'base64'
    );
end
$$;

comment on function auth.base64url_decode(text) is
'Decode unpadded base64url; raises 22023 on any other alphabet or an impossible length.';

create function auth.jwt_sign(payload jsonb, secret text)
returns text
language sql
immutable
strict
set search_path = ''
as $$
    with signing_input as (
        select
            auth.base64url_encode(pg_catalog.convert_to('{"alg":"HS256","typ":"JWT"}', 'utf8'))
            || '.'
            || auth.base64url_encode(pg_catalog.convert_to(payload::text, 'utf8')) as value
    )

    select
        value
        || '.'
        || auth.base64url_encode(
            extensions.hmac(
                pg_catalog.convert_to(value, 'utf8'),
                pg_catalog.convert_to(secret, 'utf8'),
                'sha256'
            )
        )
    from signing_input
$$;

comment on function auth.jwt_sign(jsonb, text) is 'Sign the claims as a compact HS256 JWT.';

create function auth.jwt_verify(token text, secret text)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    parts text[] := pg_catalog.string_to_array(token, '.');
    header jsonb;
    claims jsonb;
    expected bytea;
    key bytea := pg_catalog.convert_to(secret, 'utf8');
begin
    begin
        header := pg_catalog.convert_from(auth.base64url_decode(parts[1]), 'utf8')::jsonb;
        claims := pg_catalog.convert_from(auth.base64url_decode(parts[2]), 'utf8')::jsonb;
    exception when others then
        header := null;
    end;
    if pg_catalog.cardinality(parts) is distinct from 3
        or pg_catalog.jsonb_typeof(header) is distinct from 'object'
        or pg_catalog.jsonb_typeof(claims) is distinct from 'object'
    then
        raise exception using
            errcode = 'PT401', message = 'invalid JWT: malformed', hint = 'bad_jwt';
    end if;
    if header ->> 'alg' is distinct from 'HS256' then
        raise exception using
            errcode = 'PT401', message = 'invalid JWT: unsupported algorithm', hint = 'bad_jwt';
    end if;
    expected := extensions.hmac(
        pg_catalog.convert_to(parts[1] || '.' || parts[2], 'utf8'), key, 'sha256'
    );
    -- Compare HMACs of both signatures so the comparison time reveals nothing about `expected`.
    if extensions.hmac(pg_catalog.convert_to(parts[3], 'utf8'), key, 'sha256')
        <> extensions.hmac(
            pg_catalog.convert_to(auth.base64url_encode(expected), 'utf8'), key, 'sha256'
        )
    then
        raise exception using
            errcode = 'PT401', message = 'invalid JWT: signature mismatch', hint = 'bad_jwt';
    end if;
    if pg_catalog.jsonb_typeof(claims -> 'exp') is distinct from 'number'
        or (claims ->> 'exp')::numeric <= extract(epoch from pg_catalog.now())
    then
        raise exception using errcode = 'PT401', message = 'JWT expired', hint = 'bad_jwt';
    end if;
    return claims;
end
$$;

comment on function auth.jwt_verify(text, text) is
'Verify an HS256 JWT (signature, alg, exp required and in the future); return its claims.';
