"""A signed-out session's token is refused by the search function (issue 11, finding 3)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Literal

import httpx
import jwt
import pytest
from supabase_auth import SyncGoTrueClient
from supabase_functions import SyncFunctionsClient
from supabase_functions.errors import FunctionsHttpError

from native_platform.auth import create_app
from native_platform.settings import StackSettings
from tests.conftest import PgServer
from tests.helpers.servers import serve
from tests.native_platform.auth.conftest import settings_for, wait_healthy

PASSWORD = "correct horse battery staple"
SESSION_ENDED = {
    "code": "PGRST303",
    "message": "JWT session is no longer active",
    "details": None,
    "hint": "session_not_found",
}


@pytest.fixture(scope="module")
def auth_url(module_dsn: str, pg_server: PgServer, stack_settings: StackSettings) -> Iterator[str]:
    """The auth server over the search function's database."""
    with serve(create_app(settings_for(module_dsn, pg_server, stack_settings))) as url:
        wait_healthy(url)
        yield url


@pytest.fixture
def gotrue(auth_url: str, stack_settings: StackSettings) -> Iterator[SyncGoTrueClient]:
    key = stack_settings.anon_key.get_secret_value()
    with httpx.Client(timeout=30) as http:
        yield SyncGoTrueClient(
            url=auth_url,
            headers={"apikey": key, "Authorization": f"Bearer {key}"},
            auto_refresh_token=False,
            http_client=http,
        )


def functions(search_url: str, token: str, http: httpx.Client) -> SyncFunctionsClient:
    """supabase-py's functions client; `invoke("keys")` posts to `<search_url>/keys`."""
    return SyncFunctionsClient(search_url, {"Authorization": f"Bearer {token}"}, http_client=http)


def signed_in(gotrue: SyncGoTrueClient) -> str:
    email = f"searcher-{uuid.uuid4().hex[:8]}@example.com"
    session = gotrue.sign_up({"email": email, "password": PASSWORD}).session
    assert session is not None
    return session.access_token


@pytest.mark.parametrize("scope", ["local", "global"])
def test_signed_out_session_gets_no_search_keys(
    search_url: str, gotrue: SyncGoTrueClient, scope: Literal["local", "global"]
) -> None:
    """Keys are issued to the session until it signs out, then its token is a 401."""
    token = signed_in(gotrue)
    with httpx.Client(timeout=30) as http:
        client = functions(search_url, token, http)
        issued = client.invoke("keys?locale=en")
        assert isinstance(issued, bytes) and b'"keys"' in issued
        gotrue.sign_out({"scope": scope})
        with pytest.raises(FunctionsHttpError) as refused:
            client.invoke("keys?locale=en")
        assert refused.value.status == 401
        raw = http.post(f"{search_url}/keys", headers={"Authorization": f"Bearer {token}"})
    assert raw.status_code == 401 and raw.json() == SESSION_ENDED


def test_signed_out_session_cannot_search(search_url: str, gotrue: SyncGoTrueClient) -> None:
    """The server-side search (GET and POST) refuses the token of an ended session."""
    token = signed_in(gotrue)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(timeout=30) as http:
        client = functions(search_url, token, http)
        found = client.invoke("search", {"body": {"q": "perro"}, "responseType": "json"})
        assert isinstance(found, dict) and "hits" in found
        gotrue.sign_out()
        with pytest.raises(FunctionsHttpError) as refused:
            client.invoke("search", {"body": {"q": "perro"}, "responseType": "json"})
        assert refused.value.status == 401
        by_get = http.get(f"{search_url}/search", params={"q": "perro"}, headers=headers)
    assert by_get.status_code == 401 and by_get.json() == SESSION_ENDED


def test_forged_session_id_is_refused(search_url: str, stack_settings: StackSettings) -> None:
    """A validly signed token naming no session (or not a uuid) is refused, as by REST."""
    secret = stack_settings.jwt_secret.get_secret_value()
    for session_id in (str(uuid.uuid4()), "not-a-session"):
        claims = {
            "role": "authenticated",
            "sub": str(uuid.uuid4()),
            "aud": "authenticated",
            "exp": int(time.time()) + 600,
            "session_id": session_id,
        }
        token = jwt.encode(claims, secret, algorithm="HS256")
        response = httpx.post(
            f"{search_url}/keys", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert response.status_code == 401 and response.json() == SESSION_ENDED
