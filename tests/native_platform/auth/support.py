"""Small helpers shared by the auth API tests."""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["PASSWORD", "bearer", "sign_in", "sign_up"]

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
