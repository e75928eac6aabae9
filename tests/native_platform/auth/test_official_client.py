"""The official clients (supabase_auth, supabase.create_client) against the auth server."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from supabase import Client, ClientOptions, create_client
from supabase_auth import SyncGoTrueClient
from supabase_auth.errors import AuthApiError, AuthWeakPasswordError

from native_platform.settings import StackSettings
from tests.native_platform.auth.support import PASSWORD


@pytest.fixture
def gotrue(auth_url: str, stack_settings: StackSettings) -> Iterator[SyncGoTrueClient]:
    key = stack_settings.anon_key.get_secret_value()
    with httpx.Client(timeout=30) as http:
        yield SyncGoTrueClient(
            url=auth_url,
            headers={"apikey": key, "Authorization": f"Bearer {key}"},
            auto_refresh_token=False,
            persist_session=True,
            http_client=http,
        )


def test_client_session_lifecycle(gotrue: SyncGoTrueClient) -> None:
    """sign_up, sign_in_with_password, get_user, update_user, refresh_session, sign_out."""
    signed_up = gotrue.sign_up(
        {"email": "ann@example.com", "password": PASSWORD, "options": {"data": {"name": "Ann"}}}
    )
    assert signed_up.session is not None
    assert signed_up.user is not None and signed_up.user.user_metadata == {"name": "Ann"}
    signed_in = gotrue.sign_in_with_password({"email": "ann@example.com", "password": PASSWORD})
    assert signed_in.session is not None
    user = gotrue.get_user()
    assert user is not None and user.user.email == "ann@example.com"
    updated = gotrue.update_user({"data": {"level": 2}})
    assert updated.user.user_metadata == {"name": "Ann", "level": 2}
    refreshed = gotrue.refresh_session()
    assert refreshed.session is not None
    assert refreshed.session.refresh_token != signed_in.session.refresh_token
    gotrue.sign_out()
    assert gotrue.get_session() is None
    with pytest.raises(AuthApiError) as replay:
        gotrue.refresh_session(refreshed.session.refresh_token)
    # GoTrue's code for a replayed token, missing from supabase_auth's `ErrorCode` literal.
    code: str | None = replay.value.code
    assert code == "refresh_token_not_found"


def test_client_sees_gotrue_errors(gotrue: SyncGoTrueClient) -> None:
    """Client errors carry GoTrue's codes: invalid_credentials, weak_password, user_exists."""
    with pytest.raises(AuthApiError) as wrong:
        gotrue.sign_in_with_password({"email": "nobody@example.com", "password": PASSWORD})
    assert wrong.value.status == 400
    assert wrong.value.code == "invalid_credentials"
    with pytest.raises(AuthWeakPasswordError) as weak:
        gotrue.sign_up({"email": "bea@example.com", "password": "short"})
    assert weak.value.reasons == ["length"]
    gotrue.sign_up({"email": "cy@example.com", "password": PASSWORD})
    with pytest.raises(AuthApiError) as exists:
        gotrue.sign_up({"email": "cy@example.com", "password": PASSWORD})
    assert exists.value.code == "user_already_exists"


def test_create_client_auth_and_admin(platform_url: str, stack_settings: StackSettings) -> None:
    """supabase.create_client(...).auth under /auth/v1, including the admin API."""
    with httpx.Client(timeout=30) as http:
        options = ClientOptions(auto_refresh_token=False, persist_session=False, httpx_client=http)
        anon = create_client(platform_url, stack_settings.anon_key.get_secret_value(), options)
        service = create_client(
            platform_url, stack_settings.service_role_key.get_secret_value(), options
        )
        check_auth_and_admin(anon, service)


def check_auth_and_admin(anon: Client, service: Client) -> None:
    response = anon.auth.sign_up({"email": "dan@example.com", "password": PASSWORD})
    assert response.user is not None
    users = service.auth.admin.list_users()
    assert "dan@example.com" in {user.email for user in users}
    service.auth.admin.update_user_by_id(response.user.id, {"ban_duration": "24h"})
    with pytest.raises(AuthApiError) as banned:
        anon.auth.sign_in_with_password({"email": "dan@example.com", "password": PASSWORD})
    assert banned.value.code == "user_banned"
    with pytest.raises(AuthApiError) as not_admin:
        anon.auth.admin.list_users()
    assert not_admin.value.status == 403
    created = service.auth.admin.create_user(
        {"email": "eve@example.com", "password": PASSWORD, "email_confirm": True}
    )
    assert service.auth.admin.get_user_by_id(created.user.id).user.email == "eve@example.com"
    service.auth.admin.delete_user(created.user.id)
