"""The service role's /admin/users API over real HTTP."""

from __future__ import annotations

import httpx

from tests.native_platform.auth.support import bearer, sign_in, sign_up


def test_admin_list_requires_service_role(anon: httpx.Client) -> None:
    """GET /admin/users: 401 without a token, 403 not_admin with the anon key or a user token."""
    assert anon.get("/admin/users", headers={"Authorization": ""}).status_code == 401
    with_anon_key = anon.get("/admin/users")
    assert with_anon_key.status_code == 403
    assert with_anon_key.json()["error_code"] == "not_admin"
    session = sign_up(anon, "ann@example.com")
    assert anon.get("/admin/users", headers=bearer(session)).status_code == 403


def test_admin_list_pages_users(service: httpx.Client) -> None:
    """GET /admin/users pages with page/per_page and GoTrue's X-Total-Count and Link headers."""
    existing = int(service.get("/admin/users").headers["x-total-count"])
    for name in ("bea", "cy", "dan"):
        created = service.post("/admin/users", json={"email": f"{name}@example.com"})
        assert created.status_code == 200
    total = existing + 3
    response = service.get("/admin/users", params={"page": 1, "per_page": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["aud"] == "authenticated"
    assert len(body["users"]) == 2
    assert response.headers["x-total-count"] == str(total)
    last = (total + 1) // 2
    assert 'rel="next"' in response.headers["link"]
    assert f'page={last}&per_page=2>; rel="last"' in response.headers["link"]


def test_admin_list_refuses_pages_not_in_ascii_digits(service: httpx.Client) -> None:
    """A page number in superscript or another script's digits is GoTrue's 400, not a 500."""
    for page in ("¹", "٣", "-1", "x"):
        response = service.get("/admin/users", params={"page": page})
        assert response.status_code == 400, response.text
        assert response.json()["error_code"] == "validation_failed"


def test_admin_creates_and_updates_user(anon: httpx.Client, service: httpx.Client) -> None:
    """POST then PUT /admin/users/{id}: password, confirmation and app_metadata.roles."""
    created = service.post(
        "/admin/users",
        json={"email": "eve@example.com", "password": "initial password", "email_confirm": True},
    )
    assert created.status_code == 200
    user_id = created.json()["id"]
    updated = service.put(
        f"/admin/users/{user_id}",
        json={"app_metadata": {"roles": ["moderator"]}, "user_metadata": {"team": "red"}},
    )
    assert updated.status_code == 200
    assert updated.json()["app_metadata"]["roles"] == ["moderator"]
    assert updated.json()["user_metadata"] == {"team": "red"}
    session = sign_in(anon, "eve@example.com", "initial password").json()
    assert anon.get("/user", headers=bearer(session)).json()["app_metadata"]["roles"] == [
        "moderator"
    ]


def test_admin_keeps_unknown_role_as_data(service: httpx.Client) -> None:
    """An app role the RBAC tables do not know is kept as data, as GoTrue keeps app_metadata
    (it grants nothing: test_admin_parity)."""
    user_id = service.post("/admin/users", json={"email": "fay@example.com"}).json()["id"]
    response = service.put(f"/admin/users/{user_id}", json={"app_metadata": {"roles": ["god"]}})
    assert response.status_code == 200
    assert response.json()["app_metadata"]["roles"] == ["god"]


def test_admin_gets_and_deletes_user(anon: httpx.Client, service: httpx.Client) -> None:
    """GET and DELETE /admin/users/{id}; afterwards the user is 404 and cannot sign in."""
    session = sign_up(anon, "gil@example.com")
    user_id = session["user"]["id"]
    assert service.get(f"/admin/users/{user_id}").json()["email"] == "gil@example.com"
    assert service.delete(f"/admin/users/{user_id}").status_code == 200
    missing = service.get(f"/admin/users/{user_id}")
    assert missing.status_code == 404
    assert missing.json()["error_code"] == "user_not_found"
    assert sign_in(anon, "gil@example.com").status_code == 400
    assert service.get("/admin/users/not-a-uuid").status_code == 404


def test_admin_ban_can_be_lifted(anon: httpx.Client, service: httpx.Client) -> None:
    """ban_duration "none" lifts a ban; a malformed duration is 400."""
    user_id = sign_up(anon, "hal@example.com")["user"]["id"]
    assert service.put(f"/admin/users/{user_id}", json={"ban_duration": "1h"}).status_code == 200
    assert sign_in(anon, "hal@example.com").status_code == 400
    lifted = service.put(f"/admin/users/{user_id}", json={"ban_duration": "none"})
    assert "banned_until" not in lifted.json()
    assert sign_in(anon, "hal@example.com").status_code == 200
    bad = service.put(f"/admin/users/{user_id}", json={"ban_duration": "forever"})
    assert bad.status_code == 400
