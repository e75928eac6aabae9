"""Admin API parity with GoTrue (issue 20): app_metadata as data, email validation, list-users
filters and sort, generate_link for email changes; supabase-py's admin client where it has
the call."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from supabase_auth import SyncGoTrueAdminAPI
from supabase_auth.errors import AuthApiError

from native_platform.settings import StackSettings
from tests.native_platform.auth.support import bearer, sign_in, sign_up


@pytest.fixture
def admin(auth_url: str, stack_settings: StackSettings) -> Iterator[SyncGoTrueAdminAPI]:
    key = stack_settings.service_role_key.get_secret_value()
    with httpx.Client(timeout=30) as http:
        yield SyncGoTrueAdminAPI(
            url=auth_url,
            headers={"apikey": key, "Authorization": f"Bearer {key}"},
            http_client=http,
        )


def test_app_metadata_keeps_any_key_and_unknown_roles(
    anon: httpx.Client, service: httpx.Client
) -> None:
    """Arbitrary app_metadata keys are kept (null deletes one); in roles, known app roles become
    RBAC grants and unknown names are kept as data; setting roles replaces both."""
    session = sign_up(anon, "abe@example.com")
    user_id = session["user"]["id"]
    path = f"/admin/users/{user_id}"
    updated = service.put(
        path,
        json={"app_metadata": {"plan": "pro", "guild": {"id": 7}, "roles": ["moderator", "bard"]}},
    )
    assert updated.status_code == 200, updated.text
    metadata = updated.json()["app_metadata"]
    assert (metadata["plan"], metadata["guild"]) == ("pro", {"id": 7})
    assert metadata["roles"] == ["moderator", "bard"]
    token = sign_in(anon, "abe@example.com").json()
    assert anon.get("/user", headers=bearer(token)).json()["app_metadata"]["plan"] == "pro"
    replaced = service.put(path, json={"app_metadata": {"plan": None, "roles": ["bard"]}})
    assert "plan" not in replaced.json()["app_metadata"]
    assert replaced.json()["app_metadata"]["roles"] == ["bard"]
    cleared = service.put(path, json={"app_metadata": {"roles": []}})
    assert cleared.json()["app_metadata"]["roles"] == []
    assert cleared.json()["app_metadata"]["guild"] == {"id": 7}
    bad = service.put(path, json={"app_metadata": {"roles": "moderator"}})
    assert (bad.status_code, bad.json()["error_code"]) == (400, "validation_failed")


def test_admin_create_user_validates_emails_as_gotrue(service: httpx.Client) -> None:
    """No address: 422; a malformed or too long one: 400 validation_failed; nothing created."""
    before = service.get("/admin/users").headers["x-total-count"]
    missing = service.post("/admin/users", json={"password": "long enough 1"})
    assert (missing.status_code, missing.json()["error_code"]) == (422, "validation_failed")
    for email in (
        "two words@example.com",
        "no-at.example.com",
        "@example.com",
        "eve@",
        "eve@-dash.example.com",
        "eve@exa_mple.com",
        "eve@example..com",
        "a" * 250 + "@example.com",
    ):
        response = service.post("/admin/users", json={"email": email})
        assert response.status_code == 400, email
        assert response.json()["error_code"] == "validation_failed"
    assert service.get("/admin/users").headers["x-total-count"] == before
    fine = service.post("/admin/users", json={"email": "  Fred.O'Neil+rfl@Example.COM "})
    assert fine.json()["email"] == "fred.o'neil+rfl@example.com"


def test_list_users_filters_sorts_and_pages(
    service: httpx.Client, admin: SyncGoTrueAdminAPI
) -> None:
    """GET /admin/users?filter= matches part of the email or full name (case-insensitive, %
    and _ taken literally); sort orders; the headers count the filtered users."""
    for name, full_name in (("gus", "Zora Quill"), ("hana", "Hana"), ("zoe", "Zoe"), ("ida", "")):
        created = service.post(
            "/admin/users",
            json={"email": f"{name}@example.com", "user_metadata": {"full_name": full_name}},
        )
        assert created.status_code == 200
    found = service.get("/admin/users", params={"filter": "ZO", "sort": "email desc"})
    assert [u["email"] for u in found.json()["users"]] == ["zoe@example.com", "gus@example.com"]
    assert found.headers["x-total-count"] == "2"
    assert service.get("/admin/users", params={"filter": "%"}).json()["users"] == []
    first = service.get("/admin/users", params={"sort": "email", "per_page": 1, "page": 1})
    assert 'rel="next"' in first.headers["link"]
    bad = service.get("/admin/users", params={"sort": "password desc"})
    assert (bad.status_code, bad.json()["error_code"]) == (400, "validation_failed")
    assert len(admin.list_users(page=1, per_page=2)) == 2


def test_generate_link_email_change(
    anon: httpx.Client, service: httpx.Client, admin: SyncGoTrueAdminAPI
) -> None:
    """email_change_current / email_change_new: links and codes for both addresses, no mail;
    using both moves the account. Unknown user 404, no new_email 400, a taken one 422."""
    sign_up(anon, "jon@example.com")
    sign_up(anon, "kay@example.com")
    current = admin.generate_link(
        {"type": "email_change_current", "email": "jon@example.com", "new_email": "jo@example.com"}
    )
    assert current.properties.verification_type == "email_change_current"
    assert "type=email_change" in current.properties.action_link
    assert current.user.new_email == "jo@example.com"
    new = admin.generate_link(
        {"type": "email_change_new", "email": "jon@example.com", "new_email": "jo@example.com"}
    )
    verify = {"type": "email_change"}
    pending = anon.post("/verify", json={**verify, "token_hash": new.properties.hashed_token})
    assert pending.json()["code"] == "200"
    moved = anon.post(
        "/verify",
        json={**verify, "email": "jon@example.com", "token": current.properties.email_otp},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["user"]["email"] == "jo@example.com"
    single = admin.generate_link(
        {"type": "email_change_new", "email": "kay@example.com", "new_email": "kai@example.com"}
    )
    alone = anon.post("/verify", json={**verify, "token_hash": single.properties.hashed_token})
    assert alone.json()["code"] == "200", "one link never completes a change alone"
    with pytest.raises(AuthApiError) as unknown:
        admin.generate_link(
            {"type": "email_change_new", "email": "nobody@example.com", "new_email": "x@y.zz"}
        )
    assert unknown.value.code == "user_not_found"
    body = {"type": "email_change_new", "email": "kay@example.com"}
    missing = service.post("/admin/generate_link", json=body)
    assert (missing.status_code, missing.json()["error_code"]) == (400, "validation_failed")
    taken = service.post("/admin/generate_link", json={**body, "new_email": "jo@example.com"})
    assert (taken.status_code, taken.json()["error_code"]) == (422, "email_exists")
