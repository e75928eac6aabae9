"""`flow_type: pkce` for the password-reset and magic-link emails (issue 20): the link lands on
redirect_to with ?code=, which /token?grant_type=pkce trades with the code verifier, as
supabase-py and supabase-js (flowType 'pkce') do."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from supabase_auth import SyncGoTrueClient

from native_platform.auth import AuthSettings
from native_platform.settings import StackSettings
from tests.native_platform.auth.mailbox import Mailbox
from tests.native_platform.auth.support import PASSWORD, sign_in, sign_up

JS = Path(__file__).resolve().parent / "js"
LANDING = "http://127.0.0.1:3000/welcome?from=mail"


def address() -> str:
    return f"pkce-{uuid.uuid4().hex[:10]}@example.com"


def landing(link: str) -> tuple[str, dict[str, str]]:
    """GET a mail's link: the 303's target without its query, and the query's values."""
    response = httpx.get(link, timeout=30)
    assert response.status_code == 303, response.text
    parts = urlsplit(response.headers["location"])
    values = {key: found[0] for key, found in parse_qs(parts.query).items()}
    return f"{parts.scheme}://{parts.netloc}{parts.path}", values


def amr(session_token: str) -> list[str]:
    claims = jwt.decode(session_token, options={"verify_signature": False})
    return [entry["method"] for entry in claims["amr"]]


@pytest.fixture
def pkce_client(auth_url: str, stack_settings: StackSettings) -> Iterator[SyncGoTrueClient]:
    """supabase-py's auth client with flow_type pkce, its verifier kept in memory."""
    key = stack_settings.anon_key.get_secret_value()
    with httpx.Client(timeout=30) as http:
        yield SyncGoTrueClient(
            url=auth_url,
            headers={"apikey": key, "Authorization": f"Bearer {key}"},
            auto_refresh_token=False,
            persist_session=True,
            flow_type="pkce",
            http_client=http,
        )


def test_password_reset_with_pkce_through_supabase_py(
    anon: httpx.Client, pkce_client: SyncGoTrueClient, mailbox: Mailbox
) -> None:
    """reset_password_for_email sends the challenge; the link lands with ?code= (the app's own
    query kept, no tokens in the URL); exchange_code_for_session signs in with amr recovery;
    the code works once; the link's own session never signs anything in."""
    email = address()
    sign_up(anon, email)
    pkce_client.reset_password_for_email(email, {"redirect_to": LANDING})
    link = mailbox.link(email)
    assert "token=pkce_" in link
    target, values = landing(link)
    assert target == "http://127.0.0.1:3000/welcome"
    assert values["from"] == "mail" and "access_token" not in values
    code = values["code"]
    signed_in = pkce_client.exchange_code_for_session({"auth_code": code})
    assert signed_in.session is not None
    assert amr(signed_in.session.access_token) == ["recovery"]
    pkce_client.update_user({"password": "a brand new one"})
    assert sign_in(anon, email, "a brand new one").status_code == 200
    replay = anon.post(
        "/token",
        params={"grant_type": "pkce"},
        json={"auth_code": code, "code_verifier": "v" * 43},
    )
    assert (replay.status_code, replay.json()["error_code"]) == (404, "flow_state_not_found")
    assert sign_in(anon, email, PASSWORD).status_code == 400


def test_pkce_link_refusals(anon: httpx.Client, mailbox: Mailbox) -> None:
    """A wrong verifier is 400 bad_code_verifier (the code stays usable with the right one); a
    challenge without its method, or a malformed one, is 400 validation_failed and sends
    nothing; a spent link lands with the error in the query."""
    email = address()
    sign_up(anon, email)
    verifier = "correct-verifier-" + "x" * 40
    body = {"email": email, "code_challenge": verifier, "code_challenge_method": "plain"}
    assert anon.post("/recover", json=body).status_code == 200
    link = mailbox.link(email)
    _, values = landing(link)
    grant = {"grant_type": "pkce"}
    wrong = anon.post(
        "/token", params=grant, json={"auth_code": values["code"], "code_verifier": "w" * 43}
    )
    assert (wrong.status_code, wrong.json()["error_code"]) == (400, "bad_code_verifier")
    right = anon.post(
        "/token", params=grant, json={"auth_code": values["code"], "code_verifier": verifier}
    )
    assert right.status_code == 200, right.text
    _, spent = landing(link)
    assert spent["error_code"] == "otp_expired" and "code" not in spent
    other = address()
    half = anon.post("/recover", json={"email": other, "code_challenge": verifier})
    assert (half.status_code, half.json()["error_code"]) == (400, "validation_failed")
    short = {"email": other, "code_challenge": "short", "code_challenge_method": "s256"}
    assert anon.post("/otp", json=short).json()["error_code"] == "validation_failed"
    assert mailbox.messages(other) == []


def test_magic_link_with_pkce_through_supabase_js(
    platform_url: str, auth_settings: AuthSettings, stack_settings: StackSettings, mailbox: Mailbox
) -> None:
    """supabase-js (flowType 'pkce') under Node: signInWithOtp, the mailed link lands with a
    code, exchangeCodeForSession signs in (amr magiclink); the code then is spent."""
    email = address()
    key = stack_settings.anon_key.get_secret_value()
    with httpx.Client(
        base_url=f"{platform_url}/auth/v1", headers={"apikey": key}, timeout=30
    ) as anon:
        sign_up(anon, email)
        with subprocess.Popen(
            ["node", str(JS / "magic_link_pkce.mjs"), platform_url, key, email, LANDING],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        ) as process:
            assert process.stdin is not None and process.stdout is not None
            try:
                assert process.stdout.readline().strip() == "SENT"
                # The mail links to the server's external address, here /auth/v1 of the wrapper.
                link = mailbox.link(email).replace(
                    auth_settings.api_external_url, f"{platform_url}/auth/v1"
                )
                _, values = landing(link)
                process.stdin.write(values["code"] + "\n")
                process.stdin.flush()
                line = process.stdout.readline().strip()
            finally:
                process.kill()
        assert line.startswith("RESULT "), line
        assert json.loads(line.removeprefix("RESULT ")) == {"email": email, "amr": ["magiclink"]}
        again = anon.post(
            "/token",
            params={"grant_type": "pkce"},
            json={"auth_code": values["code"], "code_verifier": "v" * 43},
        )
        assert again.json()["error_code"] == "flow_state_not_found"
