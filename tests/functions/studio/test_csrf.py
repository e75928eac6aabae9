"""Forms without the session's CSRF token, and requests the browser marks as cross-site, are
refused before anything changes."""

from __future__ import annotations

import re

import httpx
import psycopg
import pytest

from tests.functions.studio.conftest import PASSWORDS, Stack

SEVILLE = "10000000-0000-4000-a000-000000000001"


@pytest.fixture(scope="module")
def browser_name() -> str:
    """No browser here: the module's stack is set up once, not once per browser."""
    return "none"


TOKEN = re.compile(r'name="csrf" value="([^"]+)"')


def signed_in_client(stack: Stack, who: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=stack.studio)
    login = client.get("/login")
    match = TOKEN.search(login.text)
    assert match is not None
    form = {"csrf": match.group(1), "email": f"{who}@rfl.test", "password": PASSWORDS[who]}
    assert client.post("/login", data=form).status_code == 303
    home = client.get("/")
    match = TOKEN.search(home.text)
    assert match is not None
    return client, match.group(1)


def status_of(stack: Stack) -> str:
    with psycopg.connect(stack.dsn) as db:
        row = db.execute("select status from public.campaigns where id = %s", (SEVILLE,)).fetchone()
    assert row is not None
    return str(row[0])


def test_sign_in_without_the_token_is_refused(studio_stack: Stack) -> None:
    form = {"email": "admin@rfl.test", "password": PASSWORDS["admin"]}
    answer = httpx.post(f"{studio_stack.studio}/login", data=form)
    assert answer.status_code == 403
    assert "studio_session" not in answer.cookies


def test_forms_without_the_token_or_from_another_site_change_nothing(studio_stack: Stack) -> None:
    client, csrf = signed_in_client(studio_stack, "moderator")
    archive = {"campaign_id": SEVILLE}
    try:
        assert client.post("/campaigns", data=archive).status_code == 403
        assert client.post("/campaigns", data={**archive, "csrf": "forged"}).status_code == 403
        cross = client.post(
            "/campaigns", data={**archive, "csrf": csrf}, headers={"Origin": "https://evil.example"}
        )
        assert cross.status_code == 403
        fetched = client.post(
            "/campaigns", data={**archive, "csrf": csrf}, headers={"Sec-Fetch-Site": "cross-site"}
        )
        assert fetched.status_code == 403
        assert status_of(studio_stack) == "active"
        done = client.post("/campaigns", data={**archive, "csrf": csrf})
        assert done.status_code == 303
        assert status_of(studio_stack) == "archived"

    finally:
        client.close()


def test_the_session_cookie_is_httponly_and_strict(studio_stack: Stack) -> None:
    client = httpx.Client(base_url=studio_stack.studio)
    login = client.get("/login")
    match = TOKEN.search(login.text)
    assert match is not None
    form = {"csrf": match.group(1), "email": "editor@rfl.test", "password": PASSWORDS["editor"]}
    answer = client.post("/login", data=form)
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/studio" in cookie
    client.close()
