"""Sign-up with email confirmations on ([auth.email] enable_confirmations): the answer does not
tell whether an address is registered, as GoTrue hides it (issue 11, finding 7).

With confirmations off (the default, autoconfirm) a taken address stays 422 user_already_exists,
as GoTrue answers then: test_public_routes and test_official_client cover that.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from supabase_auth import SyncGoTrueClient
from supabase_auth.errors import AuthApiError

from native_platform.auth import AuthSettings, create_app
from native_platform.settings import StackSettings
from tests.helpers.servers import serve
from tests.native_platform.auth.conftest import wait_healthy
from tests.native_platform.auth.support import PASSWORD

# Fields whose values differ between any two users, whoever they are.
PER_USER = {"id", "created_at", "updated_at", "confirmation_sent_at"}


@pytest.fixture
def confirming_url(auth_settings: AuthSettings) -> Iterator[str]:
    """The auth server with email confirmations on."""
    settings = auth_settings.model_copy(update={"enable_confirmations": True})
    with serve(create_app(settings)) as url:
        wait_healthy(url)
        yield url


@pytest.fixture
def gotrue(confirming_url: str, stack_settings: StackSettings) -> Iterator[SyncGoTrueClient]:
    key = stack_settings.anon_key.get_secret_value()
    with httpx.Client(timeout=30) as http:
        yield SyncGoTrueClient(
            url=confirming_url,
            headers={"apikey": key, "Authorization": f"Bearer {key}"},
            auto_refresh_token=False,
            persist_session=False,
            http_client=http,
        )


@pytest.fixture
def raw(confirming_url: str, stack_settings: StackSettings) -> Iterator[httpx.Client]:
    key = stack_settings.anon_key.get_secret_value()
    headers = {"apikey": key, "Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=confirming_url, headers=headers, timeout=30) as client:
        yield client


def confirmed_user(url: str, stack_settings: StackSettings, email: str) -> dict[str, Any]:
    """A registered, confirmed account, created by the service role (admin API)."""
    key = stack_settings.service_role_key.get_secret_value()
    response = httpx.post(
        f"{url}/admin/users",
        json={"email": email, "password": PASSWORD, "email_confirm": True},
        headers={"apikey": key, "Authorization": f"Bearer {key}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    user: dict[str, Any] = response.json()
    return user


def sign_up(raw: httpx.Client, email: str, password: str, data: dict[str, Any]) -> dict[str, Any]:
    response = raw.post("/signup", json={"email": email, "password": password, "data": data})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_taken_address_gets_the_answer_of_a_new_one(
    raw: httpx.Client, confirming_url: str, stack_settings: StackSettings
) -> None:
    """Same status and fields, values alike but for per-user ones; the account is untouched."""
    real = confirmed_user(confirming_url, stack_settings, "rex@example.com")
    new = sign_up(raw, "sue@example.com", "another password", {"name": "Sue"})
    taken = sign_up(raw, "REX@example.com", "another password", {"name": "Sue"})
    assert "access_token" not in taken and "access_token" not in new
    assert taken.keys() == new.keys()
    skipped = PER_USER | {"email", "identities"}
    assert {k: v for k, v in taken.items() if k not in skipped} == {
        k: v for k, v in new.items() if k not in skipped
    }
    # One `email` identity each, alike but for per-user values, naming the requested address.
    per_identity = {"identity_id", "id", "user_id", "created_at", "updated_at"}
    (taken_identity,) = taken["identities"]
    (new_identity,) = new["identities"]
    assert taken_identity.keys() == new_identity.keys()
    assert taken_identity["email"] == "rex@example.com"
    assert taken_identity["identity_data"]["email"] == "rex@example.com"
    assert taken_identity["identity_data"]["sub"] == taken["id"]
    alike = per_identity | {"email", "identity_data"}
    assert {k: v for k, v in taken_identity.items() if k not in alike} == {
        k: v for k, v in new_identity.items() if k not in alike
    }
    assert taken["email"] == "rex@example.com"
    assert taken["id"] != real["id"]
    assert "email_confirmed_at" not in taken and "last_sign_in_at" not in taken
    assert taken["user_metadata"] == {"name": "Sue"}
    # The stand-in changed nothing: the owner's password still works, the claimant's does not.
    token = "/token?grant_type=password"
    owner = raw.post(token, json={"email": "rex@example.com", "password": PASSWORD})
    assert owner.status_code == 200, owner.text
    assert owner.json()["user"]["id"] == real["id"]
    claimant = raw.post(token, json={"email": "rex@example.com", "password": "another password"})
    assert claimant.json()["error_code"] == "invalid_credentials"


def test_official_client_signs_up_without_a_session(gotrue: SyncGoTrueClient) -> None:
    """sign_up answers a user and no session, for new and taken addresses alike."""
    first = gotrue.sign_up({"email": "tia@example.com", "password": PASSWORD})
    again = gotrue.sign_up({"email": "tia@example.com", "password": "another password"})
    assert first.session is None and again.session is None
    assert first.user is not None and again.user is not None
    assert first.user.email == again.user.email == "tia@example.com"
    assert first.user.email_confirmed_at is None and again.user.email_confirmed_at is None
    # An unconfirmed account signs in once confirmed; until then the right password says so.
    with pytest.raises(AuthApiError) as refused:
        gotrue.sign_in_with_password({"email": "tia@example.com", "password": PASSWORD})
    assert refused.value.code == "email_not_confirmed"


def test_settings_report_confirmations(raw: httpx.Client) -> None:
    """GET /settings tells clients that sign-ups wait for confirmation."""
    assert raw.get("/settings").json()["mailer_autoconfirm"] is False


def test_sign_up_disabled_by_config(auth_settings: AuthSettings) -> None:
    """`[auth] enable_signup = false`: GoTrue's 422 signup_disabled, and /settings says so."""
    settings = auth_settings.model_copy(update={"enable_signup": False})
    with serve(create_app(settings)) as url, httpx.Client(timeout=30) as http:
        wait_healthy(url)
        answer = http.post(f"{url}/signup", json={"email": "x@example.com", "password": PASSWORD})
        assert answer.status_code == 422
        assert answer.json()["error_code"] == "signup_disabled"
        assert http.get(f"{url}/settings").json()["disable_signup"] is True
