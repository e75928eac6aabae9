"""Hostile and malformed requests get GoTrue-shaped 4xx answers, never a 500 or a hang."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import jwt
import pytest

from native_platform.settings import StackSettings
from tests.helpers.tokens import unsigned_token
from tests.native_platform.auth.support import PASSWORD, bearer

MEGABYTE = 1_048_576


@pytest.fixture(scope="module")
def client(shared_auth_url: str, stack_settings: StackSettings) -> Iterator[httpx.Client]:
    key = stack_settings.anon_key.get_secret_value()
    headers = {"apikey": key, "Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=shared_auth_url, headers=headers, timeout=30) as http:
        yield http


@pytest.fixture(scope="module")
def session(client: httpx.Client) -> dict[str, str]:
    response = client.post("/signup", json={"email": "mallory@example.com", "password": PASSWORD})
    assert response.status_code == 200, response.text
    result: dict[str, str] = response.json()
    return result


@pytest.fixture(scope="module")
def secret(stack_settings: StackSettings) -> str:
    return stack_settings.jwt_secret.get_secret_value()


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == status
    assert body["error_code"] == code
    assert isinstance(body["msg"], str)


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2]", b'"text"', b"\xff\xfe", b"[" * 5000],
    ids=["broken", "array", "string", "not-utf8", "deep"],
)
def test_malformed_json_is_bad_json(client: httpx.Client, body: bytes) -> None:
    """A body that is not a JSON object is 400 bad_json."""
    response = client.post("/signup", content=body)
    assert_error(response, 400, "bad_json")


def test_wrong_field_types_are_validation_failed(client: httpx.Client) -> None:
    """Fields of the wrong JSON type are 400 validation_failed."""
    response = client.post("/signup", json={"email": 42, "password": PASSWORD})
    assert_error(response, 400, "validation_failed")
    response = client.post(
        "/signup", json={"email": "a@example.com", "password": PASSWORD, "data": [1]}
    )
    assert_error(response, 400, "validation_failed")


def test_missing_fields_are_refused(client: httpx.Client) -> None:
    """Sign-up without an email, sign-in without a password, refresh without a token: 4xx."""
    assert_error(client.post("/signup", json={"password": PASSWORD}), 400, "validation_failed")
    password_grant = client.post(
        "/token", params={"grant_type": "password"}, json={"email": "a@example.com"}
    )
    assert_error(password_grant, 400, "validation_failed")
    refresh_grant = client.post("/token", params={"grant_type": "refresh_token"}, json={})
    assert_error(refresh_grant, 400, "validation_failed")


def test_nul_character_is_refused(client: httpx.Client) -> None:
    """A NUL character, which Postgres text cannot hold, is a 400, not a 500."""
    response = client.post("/signup", json={"email": "a\u0000@example.com", "password": PASSWORD})
    assert_error(response, 400, "validation_failed")


def test_oversized_body_is_413(client: httpx.Client) -> None:
    """Bodies over 1 MB are refused with 413, whether declared or streamed."""
    big = b'{"email": "' + b"a" * MEGABYTE + b'"}'
    assert client.post("/signup", content=big).status_code == 413

    def chunks() -> Iterator[bytes]:
        yield b'{"email": "'
        for _ in range(20):
            yield b"a" * 65536
        yield b'"}'

    assert client.post("/signup", content=chunks()).status_code == 413


def test_forged_token_is_refused(client: httpx.Client, session: dict[str, str]) -> None:
    """A token whose payload was altered after signing is 403 bad_jwt."""
    header, payload, signature = session["access_token"].split(".")
    claims = jwt.decode(session["access_token"], options={"verify_signature": False})
    forged_payload = jwt.encode({**claims, "role": "service_role"}, "x" * 32).split(".")[1]
    forged = f"{header}.{forged_payload}.{signature}"
    assert_error(client.get("/user", headers={"Authorization": f"Bearer {forged}"}), 403, "bad_jwt")
    assert_error(
        client.get("/admin/users", headers={"Authorization": f"Bearer {forged}"}), 403, "bad_jwt"
    )


def test_expired_token_is_refused(
    client: httpx.Client, session: dict[str, str], secret: str
) -> None:
    """A correctly signed but expired token is 403 bad_jwt."""
    claims = jwt.decode(
        session["access_token"], secret, algorithms=["HS256"], audience="authenticated"
    )
    now = int(time.time())
    expired = jwt.encode({**claims, "iat": now - 7200, "exp": now - 3600}, secret)
    assert_error(
        client.get("/user", headers={"Authorization": f"Bearer {expired}"}), 403, "bad_jwt"
    )


def test_token_of_another_secret_is_refused(client: httpx.Client, session: dict[str, str]) -> None:
    """A token signed with another secret is 403 bad_jwt, also for the admin API."""
    claims = jwt.decode(session["access_token"], options={"verify_signature": False})
    other = jwt.encode(claims, "another-secret-that-is-long-enough-000")
    assert_error(client.get("/user", headers={"Authorization": f"Bearer {other}"}), 403, "bad_jwt")
    service = jwt.encode(
        {"role": "service_role", "exp": int(time.time()) + 60},
        "another-secret-that-is-long-enough-000",
    )
    response = client.get("/admin/users", headers={"Authorization": f"Bearer {service}"})
    assert_error(response, 403, "bad_jwt")


def test_alg_none_token_is_refused(client: httpx.Client, session: dict[str, str]) -> None:
    """An unsigned token (alg none) is 403 bad_jwt."""
    claims = jwt.decode(session["access_token"], options={"verify_signature": False})
    unsigned = unsigned_token(claims)
    assert_error(
        client.get("/user", headers={"Authorization": f"Bearer {unsigned}"}), 403, "bad_jwt"
    )


def test_token_without_user_audience_is_refused(
    client: httpx.Client, session: dict[str, str], secret: str
) -> None:
    """A validly signed token without aud 'authenticated' is not a user token (403)."""
    claims = jwt.decode(
        session["access_token"], secret, algorithms=["HS256"], audience="authenticated"
    )
    wrong_audience = jwt.encode({**claims, "aud": "somebody-else"}, secret)
    response = client.get("/user", headers={"Authorization": f"Bearer {wrong_audience}"})
    assert_error(response, 403, "bad_jwt")
    assert client.get("/user", headers=bearer(session)).status_code == 200


def test_unknown_route_and_method_are_gotrue_errors(client: httpx.Client) -> None:
    """Unknown paths are 404 and wrong methods 405, both in GoTrue's error shape."""
    assert_error(client.get("/nope"), 404, "not_found")
    assert_error(client.get("/token"), 405, "method_not_allowed")
