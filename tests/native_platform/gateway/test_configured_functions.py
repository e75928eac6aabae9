"""A function declared only in config.toml is mounted by the gateway; `verify_jwt` is enforced."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import jwt
import pytest

from native_platform.gateway import create_app
from native_platform.project_config import parse_project_config
from native_platform.settings import StackSettings
from tests.helpers.servers import serve
from tests.helpers.tokens import unsigned_token

CONFIG = """
[functions.echo]
verify_jwt = true
entrypoint = "tests.helpers.echo_function:create_app"

[functions.open-echo]
verify_jwt = false
entrypoint = "tests.helpers.echo_function:create_app"

[services.files]
path = "/files/v1"
entrypoint = "tests.helpers.echo_function:create_app"

[functions.off]
enabled = false
entrypoint = "tests.helpers.echo_function:create_app"
"""


@pytest.fixture(scope="module")
def gateway_url(stack_settings: StackSettings) -> Iterator[str]:
    with serve(create_app(stack_settings, config=parse_project_config(CONFIG))) as url:
        yield url


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_configured_function_is_served(gateway_url: str, stack_settings: StackSettings) -> None:
    anon = stack_settings.anon_key.get_secret_value()
    response = httpx.post(
        f"{gateway_url}/functions/v1/echo/hello", content=b"hi", headers=bearer(anon)
    )
    assert response.status_code == 200
    assert response.json() == {"path": "/functions/v1/echo/hello", "body": "hi"}


def test_verify_jwt_refuses_a_missing_token(gateway_url: str) -> None:
    response = httpx.get(f"{gateway_url}/functions/v1/echo")
    assert response.status_code == 401
    assert response.json() == {"msg": "Missing authorization header"}


@pytest.mark.parametrize("kind", ["forged", "expired", "alg-none", "garbage"])
def test_verify_jwt_refuses_a_bad_token(
    gateway_url: str, stack_settings: StackSettings, kind: str
) -> None:
    secret = stack_settings.jwt_secret.get_secret_value()
    tokens = {
        "forged": jwt.encode({"role": "service_role"}, "x" * 32, algorithm="HS256"),
        "expired": jwt.encode({"role": "anon", "exp": 1_000_000}, secret, algorithm="HS256"),
        "alg-none": unsigned_token({"role": "service_role"}),
        "garbage": "not.a.jwt",
    }
    response = httpx.get(f"{gateway_url}/functions/v1/echo", headers=bearer(tokens[kind]))
    assert response.status_code == 401
    assert response.json() == {"msg": "Invalid JWT"}


def test_a_function_without_verify_jwt_sees_every_request(gateway_url: str) -> None:
    response = httpx.get(f"{gateway_url}/functions/v1/open-echo/x")
    assert response.status_code == 200
    assert response.json()["path"] == "/functions/v1/open-echo/x"


def test_a_disabled_function_is_not_served(gateway_url: str) -> None:
    assert httpx.get(f"{gateway_url}/functions/v1/off").status_code == 404


def test_the_shipped_config_serves_the_game_functions(stack_settings: StackSettings) -> None:
    """The project's own config.toml mounts dice, cms and search."""
    with serve(create_app(stack_settings)) as url:
        odds = httpx.get(f"{url}/functions/v1/dice/odds", params={"expression": "1d20"})
        assert odds.status_code == 200
        assert httpx.post(f"{url}/functions/v1/cms/webhook").status_code in (401, 403)


def test_a_configured_service_is_mounted_at_its_path_behind_the_apikey_check(
    gateway_url: str, stack_settings: StackSettings
) -> None:
    """`[services.<name>]`: its own path (like storage at /storage/v1), guarded like REST."""
    assert httpx.get(f"{gateway_url}/files/v1/a").json() == {
        "message": "No API key found in request"
    }
    anon = stack_settings.anon_key.get_secret_value()
    response = httpx.get(f"{gateway_url}/files/v1/a", headers={"apikey": anon})
    assert response.status_code == 200
    assert response.json()["path"] == "/files/v1/a"
