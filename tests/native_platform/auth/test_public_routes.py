"""Sign-up, the password and refresh-token grants, settings and health over real HTTP."""

from __future__ import annotations

import httpx
import jwt
import psycopg

from native_platform.settings import StackSettings
from tests.native_platform.auth.support import PASSWORD, bearer, sign_in, sign_up


def test_sign_up_returns_session(anon: httpx.Client, stack_settings: StackSettings) -> None:
    """POST /signup confirms the account at once and answers with a GoTrue session."""
    session = sign_up(anon, "Ann@Example.com")
    assert session["token_type"] == "bearer"
    assert session["expires_in"] == stack_settings.jwt_expiry
    assert session["user"]["email"] == "ann@example.com"
    assert session["user"]["email_confirmed_at"]
    claims = jwt.decode(
        session["access_token"],
        stack_settings.jwt_secret.get_secret_value(),
        algorithms=["HS256"],
        audience="authenticated",
    )
    assert claims["sub"] == session["user"]["id"]
    assert claims["role"] == "authenticated"
    assert claims["session_id"]
    assert claims["amr"][0]["method"] == "password"


def test_sign_up_refuses_existing_email(anon: httpx.Client) -> None:
    """A second sign-up with the same email (any case) is 422 user_already_exists."""
    sign_up(anon, "bea@example.com")
    response = anon.post("/signup", json={"email": "BEA@example.com", "password": PASSWORD})
    assert response.status_code == 422
    assert response.json()["error_code"] == "user_already_exists"


def test_sign_up_refuses_weak_password(anon: httpx.Client) -> None:
    """A password under 8 characters is 422 weak_password with GoTrue's reasons."""
    response = anon.post("/signup", json={"email": "cy@example.com", "password": "short"})
    assert response.status_code == 422
    body = response.json()
    assert body["error_code"] == "weak_password"
    assert body["weak_password"] == {"reasons": ["length"]}


def test_sign_up_refuses_invalid_email(anon: httpx.Client) -> None:
    """An address that is not an email is 400 validation_failed."""
    response = anon.post("/signup", json={"email": "not-an-email", "password": PASSWORD})
    assert response.status_code == 400
    assert response.json()["error_code"] == "validation_failed"


def test_session_records_client(anon: httpx.Client, db_dsn: str) -> None:
    """Each session records the client address and user agent the request came with."""
    session = sign_up(anon, "zed@example.com")
    response = anon.post(
        "/token",
        params={"grant_type": "password"},
        json={"email": "zed@example.com", "password": PASSWORD},
        headers={"User-Agent": "rfl-test/1"},
    )
    assert response.status_code == 200
    with psycopg.connect(db_dsn) as conn:
        rows = conn.execute(
            "select host(ip), user_agent from auth.sessions where user_id = %s order by created_at",
            (session["user"]["id"],),
        ).fetchall()
    assert [row[0] for row in rows] == ["127.0.0.1", "127.0.0.1"]
    assert rows[-1][1] == "rfl-test/1"


def test_sign_in_returns_session(anon: httpx.Client) -> None:
    """grant_type=password answers a new session whose token GET /user accepts."""
    sign_up(anon, "dan@example.com")
    response = sign_in(anon, "DAN@example.com")
    assert response.status_code == 200
    session = response.json()
    user = anon.get("/user", headers=bearer(session))
    assert user.status_code == 200
    assert user.json()["email"] == "dan@example.com"


def test_sign_in_failure_hides_whether_email_exists(anon: httpx.Client) -> None:
    """A wrong password and an unknown email get the identical 400 invalid_credentials."""
    sign_up(anon, "eve@example.com")
    wrong_password = sign_in(anon, "eve@example.com", "wrong password")
    unknown_email = sign_in(anon, "nobody@example.com", "wrong password")
    assert wrong_password.status_code == unknown_email.status_code == 400
    assert (
        wrong_password.json()
        == unknown_email.json()
        == {
            "code": 400,
            "error_code": "invalid_credentials",
            "msg": "Invalid login credentials",
        }
    )


def test_sign_in_failures_are_rate_limited(anon: httpx.Client) -> None:
    """After 10 failed sign-ins for an email from one address, even the right password gets 429."""
    sign_up(anon, "fay@example.com")
    for _ in range(10):
        assert sign_in(anon, "fay@example.com", "wrong password").status_code == 400
    response = sign_in(anon, "fay@example.com")
    assert response.status_code == 429
    assert response.json()["error_code"] == "over_request_rate_limit"
    assert int(response.headers["retry-after"]) > 0


def test_refresh_rotates_token(anon: httpx.Client) -> None:
    """grant_type=refresh_token answers a new session with a new refresh token."""
    first = sign_up(anon, "gil@example.com")
    response = anon.post(
        "/token",
        params={"grant_type": "refresh_token"},
        json={"refresh_token": first["refresh_token"]},
    )
    assert response.status_code == 200
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert anon.get("/user", headers=bearer(second)).status_code == 200


def test_replayed_refresh_token_ends_session(anon: httpx.Client, db_dsn: str) -> None:
    """Reusing a rotated refresh token after the reuse interval is refused and ends the session
    for every token."""
    first = sign_up(anon, "hal@example.com")
    refresh = {"grant_type": "refresh_token"}
    second = anon.post("/token", params=refresh, json={"refresh_token": first["refresh_token"]})
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        # Used longer ago than [auth] refresh_token_reuse_interval.
        conn.execute("update auth.refresh_tokens set used_at = used_at - interval '1 hour'")
    replay = anon.post("/token", params=refresh, json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 400
    assert replay.json()["error_code"] == "refresh_token_already_used"
    latest = anon.post(
        "/token", params=refresh, json={"refresh_token": second.json()["refresh_token"]}
    )
    assert latest.status_code == 400
    assert latest.json()["error_code"] == "refresh_token_not_found"
    user = anon.get("/user", headers=bearer(second.json()))
    assert user.status_code == 403
    assert user.json()["error_code"] == "session_not_found"


def test_banned_user_cannot_sign_in(anon: httpx.Client, service: httpx.Client) -> None:
    """A user banned through the admin API gets 400 user_banned and loses their sessions."""
    session = sign_up(anon, "ivy@example.com")
    ban = service.put(f"/admin/users/{session['user']['id']}", json={"ban_duration": "24h"})
    assert ban.status_code == 200
    response = sign_in(anon, "ivy@example.com")
    assert response.status_code == 400
    assert response.json()["error_code"] == "user_banned"
    assert anon.get("/user", headers=bearer(session)).status_code == 403


def test_unknown_grant_type_is_refused(anon: httpx.Client) -> None:
    """An unsupported grant_type is 400 (GoTrue: invalid_credentials, unsupported_grant_type)."""
    for grant in ("client_credentials", ""):
        response = anon.post("/token", params={"grant_type": grant}, json={})
        assert response.status_code == 400
        assert response.json()["msg"] == "unsupported_grant_type"


def test_settings_and_health_answer(anon: httpx.Client) -> None:
    """GET /settings reports email sign-up with autoconfirm; GET /health answers 200."""
    settings = anon.get("/settings").json()
    assert settings["external"]["email"] is True
    assert settings["mailer_autoconfirm"] is True
    assert anon.get("/health").status_code == 200


def test_versioned_clients_get_new_error_shape(anon: httpx.Client) -> None:
    """With X-Supabase-Api-Version 2024-01-01 errors are {code, message} and the header echoes."""
    response = anon.post(
        "/token",
        params={"grant_type": "password"},
        json={"email": "nobody@example.com", "password": "wrong password"},
        headers={"X-Supabase-Api-Version": "2024-01-01"},
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_credentials",
        "message": "Invalid login credentials",
    }
    assert response.headers["x-supabase-api-version"] == "2024-01-01"
    assert response.headers["x-sb-error-code"] == "invalid_credentials"
