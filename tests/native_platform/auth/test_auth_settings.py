"""The auth settings GoTrue names (config.toml [auth], AUTH_* overrides): password rules,
refresh-token reuse interval, session timebox and inactivity timeout, sign-ups and guests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import jwt
import psycopg
import pytest

from native_platform.auth import AuthSettings
from native_platform.settings import StackSettings
from tests.native_platform.auth.conftest import serve_auth
from tests.native_platform.auth.support import bearer, sign_up

REFRESH = {"grant_type": "refresh_token"}


@contextmanager
def auth_client(
    settings: AuthSettings, stack_settings: StackSettings, **changes: Any
) -> Iterator[httpx.Client]:
    """An anon-key client of an auth server run with `changes` to its settings."""
    key = stack_settings.anon_key.get_secret_value()
    changed = AuthSettings.model_validate({**settings.model_dump(), **changes})
    with (
        serve_auth(changed) as url,
        httpx.Client(
            base_url=url, headers={"apikey": key, "Authorization": f"Bearer {key}"}, timeout=30
        ) as client,
    ):
        yield client


def refresh(client: httpx.Client, session: dict[str, Any]) -> httpx.Response:
    return client.post("/token", params=REFRESH, json={"refresh_token": session["refresh_token"]})


def test_settings_come_from_config_toml_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped config.toml's values, each overridable by its AUTH_* variable (Go durations
    for the session limits)."""
    base = {"database_url": "postgresql://x", "jwt_secret": "s" * 40}
    shipped = AuthSettings.model_validate(base)
    assert shipped.minimum_password_length == 8
    assert shipped.refresh_token_reuse_interval == 10
    assert (shipped.sessions_timebox, shipped.mfa_max_enrolled_factors) == (0, 10)
    monkeypatch.setenv("AUTH_SESSIONS_TIMEBOX", "1h30m")
    monkeypatch.setenv("AUTH_PASSWORD_REQUIREMENTS", "letters_digits")
    monkeypatch.setenv("AUTH_ENABLE_SIGNUP", "false")
    overridden = AuthSettings.model_validate(base)
    assert overridden.sessions_timebox == 5400
    assert overridden.password_requirements == "letters_digits"
    assert overridden.enable_signup is False
    monkeypatch.setenv("AUTH_SESSIONS_TIMEBOX", "soon")
    with pytest.raises(ValueError, match="duration"):
        AuthSettings.model_validate(base)


def test_password_length_and_required_characters(
    auth_settings: AuthSettings, stack_settings: StackSettings
) -> None:
    """Sign-up and PUT /user refuse a weak password with GoTrue's 422
    weak_password and its reasons; nothing is created."""
    with auth_client(
        auth_settings,
        stack_settings,
        minimum_password_length=12,
        password_requirements="lower_upper_letters_digits",
    ) as anon:
        short = anon.post("/signup", json={"email": "sam@example.com", "password": "ab1"})
        assert short.status_code == 422
        assert short.json()["error_code"] == "weak_password"
        assert short.json()["msg"] == "Password should be at least 12 characters."
        assert short.json()["weak_password"] == {"reasons": ["length", "characters"]}
        plain = anon.post("/signup", json={"email": "sam@example.com", "password": "a" * 14})
        assert plain.json()["weak_password"] == {"reasons": ["characters"]}
        assert plain.json()["msg"].startswith("Password should contain at least one character")
        session = sign_up(anon, "sam@example.com", "Strong enough 1")
        weak = anon.put("/user", json={"password": "abcdefghijklm"}, headers=bearer(session))
        assert (weak.status_code, weak.json()["error_code"]) == (422, "weak_password")
        assert (
            anon.put(
                "/user", json={"password": "Also strong 22"}, headers=bearer(session)
            ).status_code
            == 200
        )


def test_refresh_reuse_interval_keeps_two_tabs_signed_in(
    auth_settings: AuthSettings, stack_settings: StackSettings, db_dsn: str
) -> None:
    """Two tabs refreshing the same token within the reuse interval both get a session; a
    replay after the interval revokes the session (400 refresh_token_already_used)."""
    with auth_client(auth_settings, stack_settings, refresh_token_reuse_interval=10) as anon:
        first = sign_up(anon, "tia@example.com")
        tab_one, tab_two = refresh(anon, first), refresh(anon, first)
        assert tab_one.status_code == tab_two.status_code == 200
        assert tab_one.json()["refresh_token"] != tab_two.json()["refresh_token"]
        assert refresh(anon, tab_two.json()).status_code == 200
        with psycopg.connect(db_dsn, autocommit=True) as conn:
            conn.execute("update auth.refresh_tokens set used_at = now() - interval '11 seconds'")
        replay = refresh(anon, first)
        assert (replay.status_code, replay.json()["error_code"]) == (
            400,
            "refresh_token_already_used",
        )
        gone = anon.get("/user", headers=bearer(tab_one.json()))
        assert gone.json()["error_code"] == "session_not_found"


def test_session_timebox_and_inactivity_timeout(
    auth_settings: AuthSettings, stack_settings: StackSettings, db_dsn: str
) -> None:
    """A refresh after the timebox (since sign-in) or the inactivity timeout (since the last
    refresh) is 400 session_expired; inside both it works."""
    with auth_client(
        auth_settings, stack_settings, sessions_timebox="24h", sessions_inactivity_timeout="8h"
    ) as anon:
        boxed, idle = sign_up(anon, "uma@example.com"), sign_up(anon, "vic@example.com")
        fresh = refresh(anon, boxed)
        assert fresh.status_code == 200
        with psycopg.connect(db_dsn, autocommit=True) as conn:
            conn.execute(
                "update auth.sessions set created_at = now() - interval '25 hours',"
                " refreshed_at = now() where id = %s",
                (session_id(fresh.json()),),
            )
            conn.execute(
                "update auth.sessions set created_at = now() - interval '9 hours' where id = %s",
                (session_id(idle),),
            )
        expired = refresh(anon, fresh.json())
        assert (expired.status_code, expired.json()["error_code"]) == (400, "session_expired")
        assert expired.json()["msg"] == "Invalid Refresh Token: Session Expired"
        inactive = refresh(anon, idle)
        assert inactive.json()["msg"] == "Invalid Refresh Token: Session Expired (Inactivity)"


def session_id(session: dict[str, Any]) -> str:
    claims = jwt.decode(session["access_token"], options={"verify_signature": False})
    return str(claims["session_id"])


def test_sign_ups_and_guests_can_be_switched_off(
    auth_settings: AuthSettings, stack_settings: StackSettings
) -> None:
    """enable_signup off: 422 signup_disabled (the admin API still creates users);
    enable_anonymous_sign_ins off: 422 anonymous_provider_disabled; /settings tells both."""
    with auth_client(
        auth_settings, stack_settings, enable_signup=False, enable_anonymous_sign_ins=False
    ) as anon:
        closed = anon.post("/signup", json={"email": "wyn@example.com", "password": "long enough"})
        assert (closed.status_code, closed.json()["error_code"]) == (422, "signup_disabled")
        assert anon.post("/signup", json={}).json()["error_code"] == "signup_disabled"
        settings = anon.get("/settings").json()
        assert settings["disable_signup"] is True
        assert settings["external"]["anonymous_users"] is False
    with auth_client(auth_settings, stack_settings, enable_anonymous_sign_ins=False) as anon:
        guest = anon.post("/signup", json={"data": {}})
        assert (guest.status_code, guest.json()["error_code"]) == (
            422,
            "anonymous_provider_disabled",
        )
        assert sign_up(anon, "wyn@example.com")["user"]["email"] == "wyn@example.com"
