"""Asymmetric signing keys (ADR 0028): auth signs access tokens with the stack's ES256 key and
publishes the public halves; REST, auth, realtime and the functions accept them through the one
verifier, alongside HS256 (the legacy API keys and tokens); a rotated-out key still verifies
while it is listed; a wrong kid, an algorithm swap or a foreign issuer is refused.

The gateway runs in this process with a key set of its own: a signing key and a previous one
that only verifies (a rotation in its grace period).
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import orjson
import pytest
from cryptography.hazmat.primitives import serialization
from pydantic import SecretStr

from native_platform import caller, signing_keys
from native_platform.config_check import check_values
from native_platform.envfile import env_values
from native_platform.gateway import create_app
from native_platform.rest import auth as rest_auth
from native_platform.settings import StackSettings
from native_platform.signing_keys import generate_jwk, parse_keys, public_jwk
from tests.helpers.servers import serve
from tests.helpers.tokens import unsigned_token
from tests.native_platform.gateway.test_token_matrix import PASSWORD, SURFACES, Account, sign_in

CURRENT = generate_jwk("ES256")
PREVIOUS = {**generate_jwk("ES256"), "key_ops": ["verify"]}
REMOVED = generate_jwk("ES256")  # a key the stack no longer lists
PREVIOUS_SECRET = "p" * 48  # the HS256 secret a rotation replaced, in its grace period
FOREIGN_RSA = generate_jwk("RS256")


def clear_key_caches() -> None:
    signing_keys.stack_signing_keys.cache_clear()
    signing_keys.stack_issuer.cache_clear()
    caller.stack_verifier.cache_clear()
    rest_auth._verifier.cache_clear()


@pytest.fixture(scope="module")
def key_text() -> Iterator[str]:
    """The stack's JWT_KEYS for this module: the current key and the previous one."""
    text = orjson.dumps([CURRENT, PREVIOUS]).decode()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JWT_KEYS", text)
        patch.setenv("JWT_PREVIOUS_SECRET", PREVIOUS_SECRET)
        patch.delenv("JWT_PREVIOUS_SECRET_FILE", raising=False)
        clear_key_caches()
        yield text
    clear_key_caches()


@pytest.fixture(scope="module")
def gateway_url(stack_settings: StackSettings, key_text: str) -> Iterator[str]:
    settings = stack_settings.model_copy(update={"jwt_keys": SecretStr(key_text)})
    with serve(create_app(settings)) as url:
        yield url


@pytest.fixture(scope="module")
def account(gateway_url: str, stack_settings: StackSettings) -> Account:
    anon = stack_settings.anon_key.get_secret_value()
    email = f"keys-{uuid.uuid4().hex[:8]}@example.com"
    with httpx.Client(timeout=30) as http:
        signed_up = http.post(
            f"{gateway_url}/auth/v1/signup",
            json={"email": email, "password": PASSWORD},
            headers={"apikey": anon},
        )
        assert signed_up.status_code == 200, signed_up.text
        token = sign_in(http, gateway_url, anon, email)
        campaign = http.post(
            f"{gateway_url}/rest/v1/campaigns",
            json={"name": "Keys", "target_language": "es"},
            headers={
                "apikey": anon,
                "Authorization": f"Bearer {token}",
                "Prefer": "return=representation",
            },
        )
        assert campaign.status_code == 201, campaign.text
    claims = jwt.decode(token, options={"verify_signature": False})
    return Account(token, claims, token, campaign.json()[0]["id"])


def signed(jwk: dict[str, Any], claims: dict[str, Any], **header: Any) -> str:
    key = jwt.PyJWK(jwk, algorithm=jwk["alg"])
    headers = {"kid": jwk["kid"], **header}
    return jwt.encode(claims, key.key, algorithm=jwk["alg"], headers=headers)


def public_pem(jwk: dict[str, Any]) -> bytes:
    key = jwt.PyJWK(public_jwk(jwk), algorithm=jwk["alg"]).key
    pem: bytes = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem


def hostile_tokens(account: Account, secret: str) -> dict[str, tuple[str, bool]]:
    """name -> (token, whether every surface must accept it)."""
    claims = account.claims
    now = int(time.time())
    without_iss = {k: v for k, v in claims.items() if k != "iss"}
    # PyJWT refuses to HMAC with a PEM public key: forge the swap by hand, as an attacker would.
    parts = [
        jwt.utils.base64url_encode(orjson.dumps(part)).decode()
        for part in ({"alg": "HS256", "typ": "JWT", "kid": CURRENT["kid"]}, claims)
    ]
    mac = hmac.new(public_pem(CURRENT), ".".join(parts).encode(), hashlib.sha256).digest()
    swap = ".".join([*parts, jwt.utils.base64url_encode(mac).decode()])
    return {
        "issued by auth (ES256)": (account.access_token, True),
        "previous key, still listed": (signed(PREVIOUS, claims), True),
        "legacy HS256 with the secret": (jwt.encode(without_iss, secret, "HS256"), True),
        "HS256 with the previous secret": (jwt.encode(without_iss, PREVIOUS_SECRET, "HS256"), True),
        "HS256 with another secret": (jwt.encode(without_iss, "o" * 48, "HS256"), False),
        "removed key": (signed(REMOVED, claims), False),
        "unknown kid": (signed(CURRENT, claims, kid="not-a-key"), False),
        "no kid": (jwt.encode(claims, jwt.PyJWK(CURRENT).key, "ES256"), False),
        "RS256 under the ES256 kid": (signed(FOREIGN_RSA, claims, kid=CURRENT["kid"]), False),
        "HS256 keyed with the public key": (swap, False),
        "alg none under the kid": (unsigned_token(claims), False),
        "foreign issuer": (signed(CURRENT, {**claims, "iss": "https://evil.example"}), False),
        "no issuer": (signed(CURRENT, without_iss), False),
        "expired": (signed(CURRENT, {**claims, "exp": now - 300, "iat": now - 3900}), False),
    }


def test_auth_signs_with_the_current_key_and_the_stack_issuer(account: Account) -> None:
    header = jwt.get_unverified_header(account.access_token)
    assert header["alg"] == "ES256"
    assert header["kid"] == CURRENT["kid"]
    assert account.claims["iss"] == signing_keys.stack_issuer()


def test_jwks_publishes_public_keys_only_without_an_api_key(
    account: Account, gateway_url: str
) -> None:
    response = httpx.get(f"{gateway_url}/auth/v1/.well-known/jwks.json")
    assert response.status_code == 200, response.text
    keys = response.json()["keys"]
    assert {key["kid"] for key in keys} == {CURRENT["kid"], PREVIOUS["kid"]}
    assert all(not {"d", "p", "q"} & key.keys() for key in keys)
    # A third party verifies our tokens with the published set alone.
    client = jwt.PyJWKClient(f"{gateway_url}/auth/v1/.well-known/jwks.json")
    key = client.get_signing_key_from_jwt(account.access_token)
    claims = jwt.decode(
        account.access_token,
        key.key,
        algorithms=["ES256"],
        audience="authenticated",
        issuer=signing_keys.stack_issuer(),
    )
    assert claims["sub"] == account.claims["sub"]


@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_every_surface_accepts_both_families_and_refuses_forgeries(
    gateway_url: str, stack_settings: StackSettings, account: Account, surface: str
) -> None:
    anon = stack_settings.anon_key.get_secret_value()
    secret = stack_settings.jwt_secret.get_secret_value()
    cases = hostile_tokens(account, secret)
    verdicts = {
        name: SURFACES[surface](gateway_url, anon, token, account)
        for name, (token, _) in cases.items()
    }
    assert verdicts == {name: accepted for name, (_, accepted) in cases.items()}


def test_the_rotation_ends_by_dropping_the_previous_key() -> None:
    # Once the previous key's tokens expired it leaves the set; the current key signs alone.
    keys = parse_keys(orjson.dumps([CURRENT]).decode())
    assert keys.signing_kid == CURRENT["kid"]
    assert set(keys.public) == {CURRENT["kid"]}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("not json", "not JSON"),
        ("[]", "non-empty"),
        ('[{"kty": "oct", "k": "c2VjcmV0", "kid": "a", "alg": "HS256"}]', "ES256"),
        (orjson.dumps([{**CURRENT, "kid": ""}]).decode(), "kid"),
        (orjson.dumps([CURRENT, CURRENT]).decode(), "twice"),
        (orjson.dumps([CURRENT, {**REMOVED, "kid": "b"}]).decode(), "only one key"),
        (orjson.dumps([public_jwk(CURRENT) | {"key_ops": ["sign"]}]).decode(), "private part"),
        (orjson.dumps([{**CURRENT, "x": "AAAA"}]).decode(), "not a valid key"),
    ],
)
def test_a_bad_key_set_is_named_without_its_key_material(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem) as raised:
        parse_keys(text)
    assert CURRENT["d"] not in str(raised.value)


def test_init_env_generates_an_es256_signing_key(tmp_path: Any) -> None:
    values = env_values(tmp_path, 54321, 8108, durable=False)
    keys = parse_keys(values["JWT_KEYS"])
    assert keys.signing is not None
    assert keys.signing.algorithm_name == "ES256"
    # The API keys stay HS256 with the secret (the legacy keys clients ship).
    assert jwt.get_unverified_header(values["ANON_KEY"])["alg"] == "HS256"


def test_the_gateway_opens_only_the_browser_paths_of_auth(gateway_url: str) -> None:
    """Kong's auth-v1-open routes: the browser reaches them without an apikey."""
    authorize = httpx.get(f"{gateway_url}/auth/v1/authorize", params={"provider": "none"})
    assert authorize.status_code == 400
    assert authorize.json()["error_code"] == "validation_failed"
    callback = httpx.get(f"{gateway_url}/auth/v1/callback")
    assert callback.status_code == 303
    assert httpx.get(f"{gateway_url}/auth/v1/user").status_code == 401
    assert httpx.get(f"{gateway_url}/auth/v1/authorize/x").status_code == 401


def test_config_check_names_a_malformed_key_set_without_its_material() -> None:
    def key_problems(text: str) -> list[str]:
        problems = check_values({"JWT_KEYS": text}, "local")
        return [problem.message for problem in problems if problem.variable == "JWT_KEYS"]

    [message] = key_problems(orjson.dumps([{**CURRENT, "x": "AAAA"}]).decode())
    assert "not a valid key" in message
    assert CURRENT["d"] not in message
    assert key_problems(orjson.dumps([CURRENT]).decode()) == []
