"""Password sign-in limits through the official client: exact under concurrency, and no weapon
against an account's owner (issue 11, finding 4).

Each client sends its own X-Forwarded-For, which this server trusts (as behind the gateway), so
one test plays the owner and strangers at different addresses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import psycopg
import pytest
from supabase_auth import SyncGoTrueClient
from supabase_auth.errors import AuthApiError

from native_platform.auth import AuthSettings, create_app
from native_platform.settings import StackSettings
from tests.helpers.servers import serve
from tests.native_platform.auth.conftest import wait_healthy
from tests.native_platform.auth.support import PASSWORD

OWNER_ADDRESS = "198.51.100.7"
STRANGER_ADDRESS = "203.0.113.66"
ClientAt = Callable[[str], SyncGoTrueClient]


@pytest.fixture
def proxied_url(auth_settings: AuthSettings) -> Iterator[str]:
    """The auth server behind a trusted proxy, with a pool wide enough for 20 parallel calls."""
    settings = auth_settings.model_copy(update={"trust_forwarded_for": True, "pool_max_size": 20})
    with serve(create_app(settings)) as url:
        wait_healthy(url)
        yield url


@pytest.fixture
def client_at(proxied_url: str, stack_settings: StackSettings) -> Iterator[ClientAt]:
    """`client_at(address)`: a GoTrue client whose requests come from `address`."""
    key = stack_settings.anon_key.get_secret_value()
    http = httpx.Client(timeout=30)

    def make(address: str) -> SyncGoTrueClient:
        return SyncGoTrueClient(
            url=proxied_url,
            headers={"apikey": key, "Authorization": f"Bearer {key}", "X-Forwarded-For": address},
            auto_refresh_token=False,
            persist_session=False,
            http_client=http,
        )

    yield make
    http.close()


def attempt(client: SyncGoTrueClient, email: str, password: str) -> int:
    """The HTTP status of one password sign-in (200, 400 invalid_credentials, 429)."""
    try:
        client.sign_in_with_password({"email": email, "password": password})
    except AuthApiError as error:
        return error.status
    return 200


def test_strangers_failures_do_not_lock_the_owner_out(client_at: ClientAt) -> None:
    """Twelve wrong passwords from a stranger's address: that address waits, the owner does not."""
    owner = client_at(OWNER_ADDRESS)
    owner.sign_up({"email": "owen@example.com", "password": PASSWORD})
    stranger = client_at(STRANGER_ADDRESS)
    statuses = [attempt(stranger, "owen@example.com", "wrong password") for _ in range(12)]
    assert statuses == [400] * 10 + [429] * 2
    assert attempt(owner, "owen@example.com", PASSWORD) == 200
    # A third address the account never used is not held either: below the per-email ceiling.
    assert attempt(client_at("192.0.2.77"), "owen@example.com", PASSWORD) == 200


def test_spellings_of_an_email_share_its_count(client_at: ClientAt) -> None:
    """Upper-case and padded spellings count as the email itself, at that address only."""
    client_at(OWNER_ADDRESS).sign_up({"email": "una@example.com", "password": PASSWORD})
    stranger = client_at(STRANGER_ADDRESS)
    statuses = [attempt(stranger, "UNA@EXAMPLE.COM", "wrong password") for _ in range(5)]
    statuses += [attempt(stranger, "  una@example.com  ", "wrong password") for _ in range(5)]
    statuses.append(attempt(stranger, "Una@Example.com", PASSWORD))
    assert statuses == [400] * 10 + [429]
    assert attempt(client_at(OWNER_ADDRESS), " UNA@example.com", PASSWORD) == 200


def test_parallel_guesses_are_evaluated_at_most_up_to_the_limit(
    client_at: ClientAt, db: psycopg.Connection[Any]
) -> None:
    """20 guesses at once from one address: exactly 10 reach the password check, 10 get 429."""
    # A first wait of 15 min (1 / refill, capped by max_wait_seconds): no attempt of the burst
    # passes because time went by.
    db.execute(
        "update rate_limit.limits set refill_per_second = 0.001"
        " where action = 'auth.sign_in.email_address'"
    )
    client_at(OWNER_ADDRESS).sign_up({"email": "pat@example.com", "password": PASSWORD})
    clients = [client_at(STRANGER_ADDRESS) for _ in range(20)]
    with ThreadPoolExecutor(20) as pool:
        statuses = list(
            pool.map(lambda client: attempt(client, "pat@example.com", "wrong password"), clients)
        )
    assert sorted(statuses) == [400] * 10 + [429] * 10, f"{statuses.count(400)} evaluated"
    assert attempt(client_at(OWNER_ADDRESS), "pat@example.com", PASSWORD) == 200


def test_a_refused_attempt_says_when_to_retry(
    proxied_url: str, stack_settings: StackSettings
) -> None:
    """The 429 carries GoTrue's code and a Retry-After that grows with further attempts."""
    key = stack_settings.anon_key.get_secret_value()
    headers = {"apikey": key, "X-Forwarded-For": STRANGER_ADDRESS}
    body = {"email": "quin@example.com", "password": "wrong password"}
    with httpx.Client(base_url=proxied_url, headers=headers, timeout=30) as http:
        for _ in range(10):
            assert http.post("/token?grant_type=password", json=body).status_code == 400
        refused = http.post("/token?grant_type=password", json=body)
    assert refused.status_code == 429
    assert refused.json()["error_code"] == "over_request_rate_limit"
    assert refused.headers["retry-after"] == "1"
