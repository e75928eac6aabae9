"""One verdict per token on every surface that accepts a JWT: REST, auth, realtime, dice, search.

A signed-in user's real token is re-signed with one thing wrong at a time; each surface must
accept the good token and refuse every hostile one (in its own protocol's shape).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest
import websockets

from native_platform.gateway import create_app
from native_platform.settings import StackSettings
from tests.helpers.servers import serve
from tests.helpers.tokens import unsigned_token

PASSWORD = "correct-horse-battery"


@dataclass(frozen=True)
class Account:
    access_token: str
    claims: dict[str, Any]
    revoked_token: str  # an access token of a session that was signed out since
    campaign_id: str


@pytest.fixture(scope="module")
def gateway_url(stack_settings: StackSettings) -> Iterator[str]:
    with serve(create_app(stack_settings)) as url:
        yield url


def sign_in(http: httpx.Client, url: str, anon: str, email: str) -> str:
    response = http.post(
        f"{url}/auth/v1/token?grant_type=password",
        json={"email": email, "password": PASSWORD},
        headers={"apikey": anon},
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


@pytest.fixture(scope="module")
def account(gateway_url: str, stack_settings: StackSettings) -> Account:
    anon = stack_settings.anon_key.get_secret_value()
    email = f"matrix-{uuid.uuid4().hex[:8]}@example.com"
    with httpx.Client(timeout=30) as http:
        signed_up = http.post(
            f"{gateway_url}/auth/v1/signup",
            json={"email": email, "password": PASSWORD},
            headers={"apikey": anon},
        )
        assert signed_up.status_code == 200, signed_up.text
        revoked = sign_in(http, gateway_url, anon, email)
        logout = http.post(
            f"{gateway_url}/auth/v1/logout?scope=local",
            headers={"apikey": anon, "Authorization": f"Bearer {revoked}"},
        )
        assert logout.status_code == 204, logout.text
        token = sign_in(http, gateway_url, anon, email)
        campaign = http.post(
            f"{gateway_url}/rest/v1/campaigns",
            json={"name": "Matrix", "target_language": "es"},
            headers={
                "apikey": anon,
                "Authorization": f"Bearer {token}",
                "Prefer": "return=representation",
            },
        )
        assert campaign.status_code == 201, campaign.text
    claims = jwt.decode(token, options={"verify_signature": False})
    return Account(token, claims, revoked, campaign.json()[0]["id"])


def resign(claims: dict[str, Any], secret: str, **changes: Any) -> str:
    changed = {**claims, **changes}
    return jwt.encode({k: v for k, v in changed.items() if v is not None}, secret, "HS256")


def tokens(account: Account, secret: str) -> dict[str, str]:
    now = int(time.time())
    claims = account.claims
    return {
        "valid": account.access_token,
        "alg none": unsigned_token(claims),
        "wrong secret": resign(claims, "w" * 64),
        "expired": resign(claims, secret, exp=now - 300, iat=now - 3900),
        "nbf in the future": resign(claims, secret, nbf=now + 600),
        "wrong aud": resign(claims, secret, aud="another-project"),
        "missing role": resign(claims, secret, role=None),
        "revoked session": account.revoked_token,
    }


def rest(url: str, anon: str, token: str, _: Account) -> bool:
    response = httpx.get(
        f"{url}/rest/v1/campaigns?select=id",
        headers={"apikey": anon, "Authorization": f"Bearer {token}"},
    )
    assert response.status_code in (200, 401, 403), response.text
    return response.status_code == 200


def auth(url: str, anon: str, token: str, _: Account) -> bool:
    response = httpx.get(
        f"{url}/auth/v1/user", headers={"apikey": anon, "Authorization": f"Bearer {token}"}
    )
    assert response.status_code in (200, 401, 403), response.text
    return response.status_code == 200


def dice(url: str, anon: str, token: str, account: Account) -> bool:
    response = httpx.post(
        f"{url}/functions/v1/dice/rolls",
        json={"campaign_id": account.campaign_id, "expression": "1d20"},
        headers={"apikey": anon, "Authorization": f"Bearer {token}"},
    )
    assert response.status_code in (200, 201, 401, 403), response.text
    return response.status_code in (200, 201)


def search(url: str, anon: str, token: str, _: Account) -> bool:
    response = httpx.post(
        f"{url}/functions/v1/search/keys",
        json={},
        headers={"apikey": anon, "Authorization": f"Bearer {token}"},
    )
    assert response.status_code in (200, 401, 403), response.text
    return response.status_code == 200


def realtime(url: str, anon: str, token: str, account: Account) -> bool:
    """Join the campaign's private channel with the token; True when the join is accepted."""

    async def join() -> bool:
        socket_url = url.replace("http", "ws") + f"/realtime/v1/websocket?apikey={anon}&vsn=1.0.0"
        async with websockets.connect(socket_url) as socket:
            await socket.send(
                json.dumps(
                    {
                        "topic": f"realtime:campaign:{account.campaign_id}",
                        "event": "phx_join",
                        "payload": {"config": {"private": True}, "access_token": token},
                        "ref": "1",
                    }
                )
            )
            while True:
                message = json.loads(await asyncio.wait_for(socket.recv(), 10))
                if message.get("event") == "phx_reply" and message.get("ref") == "1":
                    return bool(message["payload"]["status"] == "ok")

    return asyncio.run(join())


Surface = Callable[[str, str, str, Account], bool]
SURFACES: dict[str, Surface] = {
    "rest": rest,
    "auth": auth,
    "realtime": realtime,
    "dice": dice,
    "search": search,
}


@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_every_surface_gives_the_same_verdict(
    gateway_url: str, stack_settings: StackSettings, account: Account, surface: str
) -> None:
    anon = stack_settings.anon_key.get_secret_value()
    secret = stack_settings.jwt_secret.get_secret_value()
    verdicts = {
        kind: SURFACES[surface](gateway_url, anon, token, account)
        for kind, token in tokens(account, secret).items()
    }
    assert verdicts == {kind: kind == "valid" for kind in verdicts}
