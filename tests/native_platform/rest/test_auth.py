"""JWT verification, role selection and row-level security through the REST server."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import jwt
import pytest

from tests.native_platform.rest.support import RestServer


@pytest.fixture
def http(rest: RestServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=rest.url) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_anonymous_requests_use_anon(http: httpx.Client) -> None:
    """Without a token the anon role applies: RLS-protected notes are denied (401, 42501)."""
    res = http.get("/notes")
    assert res.status_code == 401
    assert res.json()["code"] == "42501"


def test_role_claim_selects_role_and_rls(http: httpx.Client, rest: RestServer) -> None:
    """An authenticated token writes and reads only its own notes."""
    alice = bearer(rest.token(role="authenticated", sub="alice"))
    bob = bearer(rest.token(role="authenticated", sub="bob"))
    res = http.post(
        "/notes", json={"body": "hi"}, headers={**alice, "Prefer": "return=representation"}
    )
    assert res.status_code == 201 and res.json()[0]["owner"] == "alice"
    assert [n["body"] for n in http.get("/notes", headers=alice).json()] == ["hi"]
    assert http.get("/notes", headers=bob).json() == []
    res = http.post("/notes", json={"body": "forged", "owner": "alice"}, headers=bob)
    assert res.status_code == 403 and res.json()["code"] == "42501"


def test_expired_token(http: httpx.Client, rest: RestServer) -> None:
    """An expired token is 401 PGRST303 'JWT expired' with WWW-Authenticate."""
    token = rest.token(role="authenticated", exp=int(time.time()) - 120)
    res = http.get("/films", headers=bearer(token))
    assert res.status_code == 401
    assert res.json()["code"] == "PGRST303" and res.json()["message"] == "JWT expired"
    assert res.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


def test_expired_token_rejected_after_being_accepted(http: httpx.Client, rest: RestServer) -> None:
    """A token accepted (and remembered) while valid is 401 PGRST303 once it has expired."""
    token = rest.token(role="authenticated", exp=int(time.time()) - 28)  # 30 s leeway
    assert http.get("/films", headers=bearer(token)).status_code == 200
    time.sleep(3)
    res = http.get("/films", headers=bearer(token))
    assert res.status_code == 401
    assert res.json()["code"] == "PGRST303" and res.json()["message"] == "JWT expired"


def test_bad_signature_and_malformed(http: httpx.Client) -> None:
    """A token signed with another secret or with 2 parts is 401 PGRST301."""
    forged = jwt.encode({"role": "service_role"}, "x" * 40, algorithm="HS256")
    res = http.get("/films", headers=bearer(forged))
    assert res.status_code == 401 and res.json()["code"] == "PGRST301"
    res = http.get("/films", headers=bearer("abc.def"))
    assert res.json()["message"] == "Expected 3 parts in JWT; got 2"
    res = http.get("/films", headers={"Authorization": "Bearer"})
    assert res.json()["message"] == "Empty JWT is sent in Authorization header"


def test_unknown_role_is_401(http: httpx.Client, rest: RestServer) -> None:
    """A role claim naming a missing role fails with 401 (22023)."""
    res = http.get("/films", headers=bearer(rest.token(role="no_such_role_x")))
    assert res.status_code == 401 and res.json()["code"] == "22023"


def test_audience_checked_when_configured(rest: RestServer, stack_settings: object) -> None:
    """With PGRST_JWT_AUD set, a token for another audience is 401 PGRST303."""
    from tests.native_platform.rest.support import start_server, stop_server

    server = start_server(rest.dsn, stack_settings, {"PGRST_JWT_AUD": "game"})  # type: ignore[arg-type]
    try:
        good = httpx.get(
            server.url + "/films?select=id&id=eq.1",
            headers=bearer(server.token(role="anon", aud="game")),
        )
        assert good.status_code == 200
        bad = httpx.get(server.url + "/films", headers=bearer(server.token(aud="other")))
        assert bad.status_code == 401 and bad.json()["message"] == "JWT not in audience"
        none = httpx.get(server.url + "/films?select=id&id=eq.1", headers=bearer(server.token()))
        assert none.status_code == 200
    finally:
        stop_server(server)
