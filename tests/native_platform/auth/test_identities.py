"""Identities as GoTrue reports them, through supabase-py: an `email` identity from sign-up,
GET /user/identities, and unlinking (refused for the last identity, 404 for another's)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from supabase_auth.errors import AuthApiError

from native_platform.auth import AuthSettings
from native_platform.settings import StackSettings
from tests.native_platform.auth.conftest import serve_auth
from tests.native_platform.auth.support import PASSWORD, gotrue_client


@pytest.fixture
def url(auth_settings: AuthSettings) -> Iterator[str]:
    with serve_auth(auth_settings.model_copy(update={"enable_anonymous_sign_ins": True})) as base:
        yield base


def test_sign_up_creates_an_email_identity(url: str, stack_settings: StackSettings) -> None:
    """The user object and GET /user/identities list one `email` identity shaped as GoTrue's."""
    with httpx.Client(timeout=30) as http:
        gotrue = gotrue_client(url, stack_settings, http)
        signed_up = gotrue.sign_up({"email": "ida@example.com", "password": PASSWORD})
        assert signed_up.user is not None and signed_up.session is not None
        identities = gotrue.get_user_identities().identities
        assert len(identities) == 1
        identity = identities[0]
        assert identity.provider == "email"
        assert identity.id == signed_up.user.id and identity.user_id == signed_up.user.id
        assert identity.identity_data is not None
        assert identity.identity_data["email"] == "ida@example.com"
        assert identity.identity_data["email_verified"] is True
        assert identity.identity_data["sub"] == signed_up.user.id
        listed = http.get(
            f"{url}/user/identities",
            headers={
                "apikey": stack_settings.anon_key.get_secret_value(),
                "Authorization": f"Bearer {signed_up.session.access_token}",
            },
        )
        assert listed.status_code == 200, listed.text
        assert [i["identity_id"] for i in listed.json()["identities"]] == [identity.identity_id]


def test_the_last_identity_cannot_be_unlinked(url: str, stack_settings: StackSettings) -> None:
    """422 single_identity_not_deletable; another user's identity is 404; nothing changes."""
    with httpx.Client(timeout=30) as http:
        owner = gotrue_client(url, stack_settings, http)
        owner.sign_up({"email": "owner@example.com", "password": PASSWORD})
        other = gotrue_client(url, stack_settings, http)
        other.sign_up({"email": "other@example.com", "password": PASSWORD})
        (identity,) = owner.get_user_identities().identities
        with pytest.raises(AuthApiError) as last:
            owner.unlink_identity(identity)
        assert last.value.status == 422
        assert last.value.code == "single_identity_not_deletable"
        with pytest.raises(AuthApiError) as foreign:
            other.unlink_identity(identity)
        assert foreign.value.status == 404
        assert len(owner.get_user_identities().identities) == 1


def test_a_guest_gains_an_email_identity_when_converted(
    url: str, stack_settings: StackSettings
) -> None:
    """Guests have no identity; converting one by email adds its `email` identity."""
    with httpx.Client(timeout=30) as http:
        gotrue = gotrue_client(url, stack_settings, http)
        guest = gotrue.sign_in_anonymously()
        assert guest.user is not None and guest.user.identities == []
        gotrue.update_user({"email": "convert@example.com", "password": PASSWORD})
        (identity,) = gotrue.get_user_identities().identities
        assert identity.provider == "email" and identity.user_id == guest.user.id
