"""The signed-in user's routes over real HTTP: GET/PUT /user and POST /logout."""

from __future__ import annotations

import httpx

from tests.native_platform.auth.support import PASSWORD, bearer, sign_in, sign_up


def refresh(client: httpx.Client, session: dict[str, str]) -> httpx.Response:
    return client.post(
        "/token",
        params={"grant_type": "refresh_token"},
        json={"refresh_token": session["refresh_token"]},
    )


def test_update_user_changes_metadata_and_password(anon: httpx.Client) -> None:
    """PUT /user merges `data` into user_metadata and changes the password."""
    session = sign_up(anon, "ann@example.com")
    response = anon.put(
        "/user",
        headers=bearer(session),
        json={"data": {"level": 3}, "password": "a brand new password"},
    )
    assert response.status_code == 200
    assert response.json()["user_metadata"] == {"level": 3}
    assert sign_in(anon, "ann@example.com", PASSWORD).status_code == 400
    assert sign_in(anon, "ann@example.com", "a brand new password").status_code == 200


def test_update_user_refuses_weak_password(anon: httpx.Client) -> None:
    """PUT /user with a 7-character password is 422 weak_password."""
    session = sign_up(anon, "bea@example.com")
    response = anon.put("/user", headers=bearer(session), json={"password": "1234567"})
    assert response.status_code == 422
    assert response.json()["error_code"] == "weak_password"


def test_logout_local_ends_only_this_session(anon: httpx.Client) -> None:
    """POST /logout?scope=local answers 204; that session's tokens stop working, others live."""
    first = sign_up(anon, "cy@example.com")
    second = sign_in(anon, "cy@example.com").json()
    response = anon.post("/logout", params={"scope": "local"}, headers=bearer(first))
    assert response.status_code == 204
    assert anon.get("/user", headers=bearer(first)).status_code == 403
    assert refresh(anon, first).status_code == 400
    assert anon.get("/user", headers=bearer(second)).status_code == 200


def test_logout_global_ends_every_session(anon: httpx.Client) -> None:
    """POST /logout without a scope is global (GoTrue's default): all sessions end."""
    first = sign_up(anon, "dan@example.com")
    second = sign_in(anon, "dan@example.com").json()
    response = anon.post("/logout", headers=bearer(first))
    assert response.status_code == 204
    assert anon.get("/user", headers=bearer(second)).status_code == 403
    assert refresh(anon, second).json()["error_code"] == "refresh_token_not_found"


def test_logout_others_keeps_this_session(anon: httpx.Client) -> None:
    """POST /logout?scope=others ends every session but the caller's."""
    first = sign_up(anon, "eve@example.com")
    second = sign_in(anon, "eve@example.com").json()
    response = anon.post("/logout", params={"scope": "others"}, headers=bearer(first))
    assert response.status_code == 204
    assert anon.get("/user", headers=bearer(first)).status_code == 200
    assert anon.get("/user", headers=bearer(second)).status_code == 403


def test_user_routes_require_user_token(anon: httpx.Client) -> None:
    """GET /user without a bearer is 401; with the anon key (no user) it is 403 bad_jwt."""
    no_token = anon.get("/user", headers={"Authorization": ""})
    assert no_token.status_code == 401
    assert no_token.json()["error_code"] == "no_authorization"
    anon_key = anon.get("/user")
    assert anon_key.status_code == 403
    assert anon_key.json()["error_code"] == "bad_jwt"
    assert anon.post("/logout", params={"scope": "everything"}).status_code == 403
