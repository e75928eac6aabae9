"""Anonymous sign-ins (guests) through supabase-py: is_anonymous in the token, conversion to a
permanent account with the same id, GoTrue's error when disabled, the stale-guest purge."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import jwt
import psycopg
import pytest
from supabase_auth.errors import AuthApiError

from native_platform.auth import AuthSettings
from native_platform.settings import StackSettings
from tests.native_platform.auth.conftest import serve_auth
from tests.native_platform.auth.support import PASSWORD, gotrue_client


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client


def claims(token: str) -> dict[str, object]:
    decoded: dict[str, object] = jwt.decode(token, options={"verify_signature": False})
    return decoded


def test_guest_signs_in_and_converts_keeping_its_id(
    auth_settings: AuthSettings, stack_settings: StackSettings, http: httpx.Client
) -> None:
    """signInAnonymously: a guest session; update_user(email, password) makes it permanent."""
    with serve_auth(auth_settings.model_copy(update={"enable_anonymous_sign_ins": True})) as url:
        gotrue = gotrue_client(url, stack_settings, http)
        guest = gotrue.sign_in_anonymously({"options": {"data": {"name": "Guest"}}})
        assert guest.session is not None and guest.user is not None
        assert guest.user.is_anonymous is True
        assert guest.user.email in (None, "")
        assert guest.user.user_metadata == {"name": "Guest"}
        token = claims(guest.session.access_token)
        assert token["is_anonymous"] is True and token["role"] == "authenticated"
        assert token["amr"] == [{"method": "anonymous", "timestamp": token["amr"][0]["timestamp"]}]  # type: ignore[index]

        converted = gotrue.update_user({"email": "guest@example.com", "password": PASSWORD})
        assert converted.user.id == guest.user.id
        assert converted.user.is_anonymous is False
        assert converted.user.email == "guest@example.com"
        refreshed = gotrue.refresh_session()
        assert refreshed.session is not None
        assert claims(refreshed.session.access_token)["is_anonymous"] is False
        gotrue.sign_out()
        again = gotrue.sign_in_with_password({"email": "guest@example.com", "password": PASSWORD})
        assert again.user is not None and again.user.id == guest.user.id


def test_disabled_anonymous_sign_ins_answer_gotrue_error(
    auth_settings: AuthSettings, stack_settings: StackSettings, http: httpx.Client
) -> None:
    """Off: 422 anonymous_provider_disabled, and /settings says anonymous_users false."""
    with serve_auth(auth_settings.model_copy(update={"enable_anonymous_sign_ins": False})) as url:
        gotrue = gotrue_client(url, stack_settings, http)
        with pytest.raises(AuthApiError) as refused:
            gotrue.sign_in_anonymously()
        assert refused.value.status == 422
        assert refused.value.code == "anonymous_provider_disabled"
        settings = http.get(f"{url}/settings").json()
        assert settings["external"]["anonymous_users"] is False


def test_stale_guests_are_purged_by_the_housekeeping_job(
    auth_settings: AuthSettings, stack_settings: StackSettings, http: httpx.Client, db_dsn: str
) -> None:
    """The 'anonymous-users' job deletes guests older than 30 days, never converted accounts."""
    with serve_auth(auth_settings.model_copy(update={"enable_anonymous_sign_ins": True})) as url:
        old = gotrue_client(url, stack_settings, http).sign_in_anonymously().user
        fresh = gotrue_client(url, stack_settings, http).sign_in_anonymously().user
        member = gotrue_client(url, stack_settings, http)
        member.sign_up({"email": "member@example.com", "password": PASSWORD})
    assert old is not None and fresh is not None
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(
            "update auth.users set created_at = now() - interval '31 days'"
            " where id = %s or email = %s",
            (old.id, "member@example.com"),
        )
        row = conn.execute("select app_private.run_housekeeping('anonymous-users')").fetchone()
        assert row == (1,)
        left = {r[0] for r in conn.execute("select id::text from auth.users").fetchall()}
    assert old.id not in left and fresh.id in left
