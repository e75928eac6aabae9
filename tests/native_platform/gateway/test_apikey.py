"""The gateway's key check answers like Supabase's Kong."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from native_platform.gateway import create_app
from native_platform.settings import StackSettings
from tests.helpers.servers import serve


@pytest.fixture(scope="module")
def gateway_url(stack_settings: StackSettings) -> Iterator[str]:
    with serve(create_app(stack_settings)) as url:
        yield url


@pytest.mark.parametrize("prefix", ["/rest/v1/", "/auth/v1/settings", "/realtime/v1/api/ping"])
def test_request_without_apikey_is_refused(gateway_url: str, prefix: str) -> None:
    """No apikey header or query parameter: 401 with Kong's message."""
    response = httpx.get(f"{gateway_url}{prefix}")
    assert response.status_code == 401
    assert response.json() == {"message": "No API key found in request"}


def test_request_with_unknown_apikey_is_refused(gateway_url: str) -> None:
    """An apikey that is neither the anon nor the service key: 401."""
    response = httpx.get(f"{gateway_url}/rest/v1/", headers={"apikey": "not-a-key"})
    assert response.status_code == 401
    assert response.json() == {"message": "Invalid authentication credentials"}


def test_health_needs_no_apikey(gateway_url: str) -> None:
    """The health endpoint is open."""
    assert httpx.get(f"{gateway_url}/health").status_code == 200


def test_preflight_gets_cors_headers(gateway_url: str) -> None:
    """A browser preflight is answered without a key, allowing the requested headers."""
    response = httpx.options(
        f"{gateway_url}/rest/v1/campaigns",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "apikey, authorization, x-client-info",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "apikey" in response.headers["access-control-allow-headers"].lower()
