-- HS256 JWT in SQL: sign/verify round trip, and refusal of bad signatures, expired, malformed
-- and alg-none tokens (PT401, hint bad_jwt).
begin;
set local search_path = extensions, public, tests;
select plan(14);

select is(
    auth.base64url_encode('\xfbff'::bytea), '-_8', 'base64url uses - and _ and no padding'
);
select is(
    auth.base64url_decode('-_8'), '\xfbff'::bytea, 'base64url decodes unpadded text'
);
select throws_ok(
    $$ select auth.base64url_decode('ab+/') $$, '22023', null, 'base64url refuses + and /'
);

select is(
    auth.jwt_verify(
        auth.jwt_sign(
            '{"sub": "s", "n": "é", "exp": 4102444800}', 'a-secret-of-at-least-32-characters!!'
        ),
        'a-secret-of-at-least-32-characters!!'
    ),
    '{"sub": "s", "n": "é", "exp": 4102444800}'::jsonb,
    'jwt_verify returns the claims jwt_sign signed'
);
select is(
    split_part(auth.jwt_sign('{"exp": 1}', 'k'), '.', 1),
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9',
    'the header is {"alg":"HS256","typ":"JWT"}'
);
-- Known vector: PyJWT's encoding of these claims under this secret.
select is(
    auth.jwt_verify(
        'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9'
        || '.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkFubiIsImV4cCI6NDEwMjQ0NDgwMH0'
        || '.SX9kT5kUVYVBnD30bmhwQBAjkscqD1WyKID8M_G0kxo',
        'secret-key-of-thirty-two-chars-ok!'
    ),
    '{"sub": "1234567890", "name": "Ann", "exp": 4102444800}'::jsonb,
    'jwt_verify accepts a token signed by PyJWT'
);

select throws_ok(
    $$ select auth.jwt_verify(auth.jwt_sign('{"exp": 4102444800}', 'one secret'), 'another') $$,
    'PT401', 'invalid JWT: signature mismatch', 'a token signed with another secret is refused'
);
select throws_ok(
    $$ select auth.jwt_verify(auth.jwt_sign('{"exp": 1000}', 'k'), 'k') $$,
    'PT401', 'JWT expired', 'an expired token is refused'
);
select throws_ok(
    $$ select auth.jwt_verify(auth.jwt_sign('{"sub": "no exp"}', 'k'), 'k') $$,
    'PT401', 'JWT expired', 'a token without exp is refused'
);
select throws_ok(
    $$ select auth.jwt_verify('abc.def', 'k') $$,
    'PT401', 'invalid JWT: malformed', 'a token of two parts is refused'
);
select throws_ok(
    $$ select auth.jwt_verify('!!.??.**', 'k') $$,
    'PT401', 'invalid JWT: malformed', 'a token that is not base64url is refused'
);
select throws_ok(
    $$ select auth.jwt_verify(
        auth.base64url_encode('not json') || '.' || auth.base64url_encode('{}') || '.x', 'k'
    ) $$,
    'PT401', 'invalid JWT: malformed', 'a header that is not JSON is refused'
);
select throws_ok(
    $$ select auth.jwt_verify(
        auth.base64url_encode(convert_to('{"alg":"none","typ":"JWT"}', 'utf8')) || '.'
        || auth.base64url_encode(convert_to('{"exp": 4102444800}', 'utf8')) || '.',
        'k'
    ) $$,
    'PT401', 'invalid JWT: unsupported algorithm', 'alg none is refused'
);
select throws_ok(
    $$ select auth.jwt_verify(null, 'k') $$,
    'PT401', 'invalid JWT: malformed', 'a null token is refused'
);

select finish();
rollback;
