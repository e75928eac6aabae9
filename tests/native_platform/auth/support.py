"""Small helpers shared by the auth API tests."""

from __future__ import annotations

from typing import Any

import httpx
from supabase_auth import SyncGoTrueClient

from native_platform.settings import StackSettings

__all__ = ["PASSWORD", "bearer", "gotrue_client", "sign_in", "sign_up"]

PASSWORD = "correct horse battery"


def sign_up(client: httpx.Client, email: str, password: str = PASSWORD) -> dict[str, Any]:
    response = client.post("/signup", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    session: dict[str, Any] = response.json()
    return session


def sign_in(client: httpx.Client, email: str, password: str = PASSWORD) -> httpx.Response:
    return client.post(
        "/token", params={"grant_type": "password"}, json={"email": email, "password": password}
    )


def bearer(session: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {session['access_token']}"}


def gotrue_client(url: str, stack_settings: StackSettings, http: httpx.Client) -> SyncGoTrueClient:
    """supabase-py's auth client on `url` with the anon key, keeping its session in memory."""
    key = stack_settings.anon_key.get_secret_value()
    return SyncGoTrueClient(
        url=url,
        headers={"apikey": key, "Authorization": f"Bearer {key}"},
        auto_refresh_token=False,
        persist_session=True,
        http_client=http,
    )
