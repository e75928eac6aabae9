"""Social sign-in end to end against a real OpenID provider (npm's oidc-provider, run locally):
supabase-py's signInWithOAuth (implicit and PKCE flows), linkIdentity for a guest, and
signInWithIdToken. The provider is configured as `keycloak` (a generic OpenID provider at its
`url`; supabase-py accepts only Supabase's provider names) and stands in for Google through
`url`. Forged ID tokens, a
wrong state or code verifier answer GoTrue's error codes and create nothing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import psycopg
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from supabase_auth import SyncGoTrueClient
from supabase_auth.errors import AuthApiError

from native_platform.auth import AuthSettings, create_app
from native_platform.auth.providers import DEFAULT_SCOPES, ExternalProvider
from native_platform.settings import StackSettings
from native_platform.signing_keys import generate_jwk
from tests.conftest import PgServer
from tests.helpers.servers import serve
from tests.helpers.tokens import unsigned_token
from tests.native_platform.auth.conftest import settings_for, wait_healthy
from tests.native_platform.auth.oidc.harness import (
    OpenIdProvider,
    running_provider,
    sign_in_at_provider,
)

PROVIDER_PORT = 26701
AUTH_PORT = 26702
BASE_URL = f"http://127.0.0.1:{AUTH_PORT}"
AUTH_URL = f"{BASE_URL}/auth/v1"  # mounted where the Supabase clients expect it
JS = Path(__file__).with_name("js")
APP = "http://localhost:3000/welcome"  # allowed by additional_redirect_urls (localhost:3000/**)
NATIVE_APP = "http://localhost:3000/native"  # where the provider returns to an app of its own


@pytest.fixture(scope="module")
def provider() -> Iterator[OpenIdProvider]:
    with running_provider(PROVIDER_PORT, [f"{AUTH_URL}/callback", NATIVE_APP]) as running:
        yield running


@pytest.fixture(scope="module")
def auth_db(pg_server: PgServer, migrated_template: str) -> Iterator[str]:
    name = f"rfl_oauth_{uuid.uuid4().hex[:12]}"
    with pg_server.janitor(name, template_dbname=migrated_template):
        yield pg_server.dsn(name)


@pytest.fixture(scope="module")
def auth_url(
    provider: OpenIdProvider, auth_db: str, pg_server: PgServer, stack_settings: StackSettings
) -> Iterator[str]:
    def configured(name: str) -> ExternalProvider:
        return ExternalProvider(
            name=name,
            kind="discord" if name == "discord" else "oidc",
            client_id=provider.client_id,
            secret=provider.client_secret,
            issuer=provider.issuer,
            scopes=DEFAULT_SCOPES.get(name, "openid email profile"),
        )

    base = settings_for(auth_db, pg_server, stack_settings)
    settings = base.model_copy(
        update={
            "api_external_url": AUTH_URL,
            "site_url": "http://127.0.0.1:3000",
            "additional_redirect_urls": ("http://localhost:3000/**",),
            "enable_anonymous_sign_ins": True,
            "external_providers": {
                name: configured(name) for name in ("keycloak", "google", "discord")
            },
        }
    )
    assert isinstance(settings, AuthSettings)
    auth_app = create_app(settings)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with auth_app.router.lifespan_context(auth_app):
            yield

    wrapper = Starlette(routes=[Mount("/auth/v1", auth_app)], lifespan=lifespan)
    with serve(wrapper, port=AUTH_PORT):
        wait_healthy(AUTH_URL)
        yield AUTH_URL


def gotrue(
    url: str, stack_settings: StackSettings, http: httpx.Client, flow: Literal["implicit", "pkce"]
) -> SyncGoTrueClient:
    key = stack_settings.anon_key.get_secret_value()
    return SyncGoTrueClient(
        url=url,
        headers={"apikey": key},
        auto_refresh_token=False,
        persist_session=True,
        http_client=http,
        flow_type=flow,
    )


@pytest.fixture
def client(auth_url: str, stack_settings: StackSettings) -> Iterator[SyncGoTrueClient]:
    with httpx.Client(timeout=30) as http:
        yield gotrue(auth_url, stack_settings, http, "implicit")


def fragment(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).fragment).items()}


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def browse(url: str, provider: OpenIdProvider, name: str) -> str:
    return sign_in_at_provider(url, name, (AUTH_URL, provider.issuer))


def identities_of(dsn: str, provider_id: str) -> list[tuple[str, str]]:
    with psycopg.connect(dsn) as db:
        rows = db.execute(
            "select provider, user_id::text from auth.identities where provider_id = %s",
            (provider_id,),
        ).fetchall()
    return [(row[0], row[1]) for row in rows]


def new_login() -> str:
    return f"player-{uuid.uuid4().hex[:10]}"


def start(client: SyncGoTrueClient, provider: str, redirect_to: str = APP) -> str:
    return client.sign_in_with_oauth(
        {"provider": provider, "options": {"redirect_to": redirect_to}}  # type: ignore[typeddict-item]
    ).url


def test_implicit_flow_creates_the_user_and_identity(
    client: SyncGoTrueClient, provider: OpenIdProvider
) -> None:
    name = new_login()
    landed = browse(start(client, "keycloak"), provider, name)
    assert landed.startswith(APP)
    values = fragment(landed)
    assert values["token_type"] == "bearer"
    found = client.get_user(values["access_token"])
    assert found is not None
    user = found.user
    assert user.email == f"{name}@oidc.test"
    assert user.app_metadata["provider"] == "keycloak"
    assert user.user_metadata["full_name"] == f"Player {name}"
    # Only the provider's identity, as GoTrue lists it (no `email` identity for the address).
    oidc = list(user.identities or [])
    assert [(each.provider, each.id) for each in oidc] == [("keycloak", name)]
    assert oidc[0].identity_data["iss"] == provider.issuer
    claims = jwt.decode(values["access_token"], options={"verify_signature": False})
    assert claims["amr"][0]["method"] == "oauth"


def test_a_second_sign_in_finds_the_same_user(
    client: SyncGoTrueClient, provider: OpenIdProvider
) -> None:
    name = new_login()
    ids = set()
    for _ in range(2):
        token = fragment(browse(start(client, "keycloak"), provider, name))["access_token"]
        found = client.get_user(token)
        assert found is not None
        ids.add(found.user.id)
    assert len(ids) == 1


def test_pkce_flow_hands_a_code_to_exchange_once(
    auth_url: str, stack_settings: StackSettings, provider: OpenIdProvider, auth_db: str
) -> None:
    name = new_login()
    with httpx.Client(timeout=30) as http:
        client = gotrue(auth_url, stack_settings, http, "pkce")
        url = start(client, "google")
        assert "code_challenge=" in url
        landed = browse(url, provider, name)
        assert "access_token" not in landed
        code = query(landed)["code"]
        stored = client._storage.get_item(f"{client._storage_key}-code-verifier")
        assert stored is not None
        answer = client.exchange_code_for_session({"auth_code": code, "redirect_to": APP})
        assert answer.user is not None
        assert answer.user.email == f"{name}@oidc.test"
        assert identities_of(auth_db, name) == [("google", answer.user.id)]
        with pytest.raises(AuthApiError) as replayed:
            client.exchange_code_for_session(
                {"auth_code": code, "code_verifier": stored.partition("/")[0], "redirect_to": APP}
            )
        assert replayed.value.code == "flow_state_not_found"


def test_a_wrong_code_verifier_is_refused(
    auth_url: str, stack_settings: StackSettings, provider: OpenIdProvider
) -> None:
    with httpx.Client(timeout=30) as http:
        client = gotrue(auth_url, stack_settings, http, "pkce")
        code = query(browse(start(client, "keycloak"), provider, new_login()))["code"]
        with pytest.raises(AuthApiError) as refused:
            client.exchange_code_for_session(
                {"auth_code": code, "code_verifier": "x" * 64, "redirect_to": APP}
            )
        assert refused.value.code == "bad_code_verifier"


def test_a_forged_state_creates_nothing(
    client: SyncGoTrueClient, provider: OpenIdProvider, auth_db: str
) -> None:
    name = new_login()
    # The browser comes back with a real code but a state we never issued.
    landed = sign_in_at_provider(start(client, "keycloak"), name, (provider.issuer,))
    assert landed.startswith(f"{AUTH_URL}/callback")
    callback = landed.replace(query(landed)["state"], "forged-state")
    answer = httpx.get(callback)
    assert answer.status_code == 303
    assert fragment(answer.headers["location"])["error_code"] == "bad_oauth_state"
    assert identities_of(auth_db, name) == []


def test_an_unknown_provider_is_refused(auth_url: str) -> None:
    answer = httpx.get(f"{auth_url}/authorize", params={"provider": "myspace"})
    assert answer.status_code == 400
    assert answer.json()["error_code"] == "validation_failed"


def test_redirect_to_off_the_allow_list_lands_on_the_site(
    client: SyncGoTrueClient, provider: OpenIdProvider
) -> None:
    landed = browse(start(client, "keycloak", "https://evil.example/steal"), provider, new_login())
    assert landed.startswith("http://127.0.0.1:3000#")


def link_url(auth_url: str, token: str) -> str:
    answer = httpx.get(
        f"{auth_url}/user/identities/authorize",
        params={"provider": "keycloak", "redirect_to": APP, "skip_http_redirect": "true"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200, answer.text
    url: str = answer.json()["url"]
    return url


def test_a_guest_links_a_provider_and_keeps_its_id(
    client: SyncGoTrueClient, auth_url: str, provider: OpenIdProvider
) -> None:
    guest = client.sign_in_anonymously()
    assert guest.user is not None and guest.session is not None
    name = new_login()
    landed = browse(link_url(auth_url, guest.session.access_token), provider, name)
    found = client.get_user(fragment(landed)["access_token"])
    assert found is not None
    assert found.user.id == guest.user.id
    assert found.user.is_anonymous is False
    assert found.user.email == f"{name}@oidc.test"
    assert "keycloak" in {each.provider for each in found.user.identities or []}


def test_an_identity_of_another_user_cannot_be_linked(
    client: SyncGoTrueClient, auth_url: str, provider: OpenIdProvider
) -> None:
    name = new_login()
    browse(start(client, "keycloak"), provider, name)
    guest = client.sign_in_anonymously()
    assert guest.session is not None
    landed = browse(link_url(auth_url, guest.session.access_token), provider, name)
    assert fragment(landed)["error_code"] == "identity_already_exists"


def id_token(provider: OpenIdProvider, **changes: Any) -> tuple[str, str, str]:
    """(token, raw nonce, subject): an ID token signed with the provider's own key."""
    subject = new_login()
    nonce = uuid.uuid4().hex
    now = int(time.time())
    claims = {
        "iss": provider.issuer,
        "aud": provider.client_id,
        "sub": subject,
        "email": f"{subject}@oidc.test",
        "email_verified": True,
        "iat": now,
        "exp": now + 300,
        "nonce": hashlib.sha256(nonce.encode()).hexdigest(),
        **changes,
    }
    key = jwt.PyJWK(provider.signing_key)
    token = jwt.encode(claims, key.key, "RS256", headers={"kid": provider.signing_key["kid"]})
    return token, nonce, subject


def test_sign_in_with_id_token(client: SyncGoTrueClient, provider: OpenIdProvider) -> None:
    token, nonce, subject = id_token(provider)
    answer = client.sign_in_with_id_token({"provider": "google", "token": token, "nonce": nonce})
    assert answer.user is not None
    assert answer.user.email == f"{subject}@oidc.test"
    assert answer.session is not None


def test_sign_in_with_an_id_token_the_provider_issued(
    client: SyncGoTrueClient, provider: OpenIdProvider
) -> None:
    """A native app signs in at the provider itself (its own code flow, a hashed nonce), then
    hands the provider's ID token to signInWithIdToken."""
    name = new_login()
    nonce = uuid.uuid4().hex
    verifier = base64.urlsafe_b64encode(os.urandom(48)).decode().rstrip("=")
    digest = hashlib.sha256(verifier.encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    metadata = httpx.get(f"{provider.issuer}/.well-known/openid-configuration").json()
    url = str(
        httpx.URL(
            metadata["authorization_endpoint"],
            params={
                "client_id": provider.client_id,
                "response_type": "code",
                "redirect_uri": NATIVE_APP,
                "scope": "openid email profile",
                "nonce": hashlib.sha256(nonce.encode()).hexdigest(),
                "state": "native",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
        )
    )
    landed = sign_in_at_provider(url, name, (provider.issuer,))
    tokens = httpx.post(
        metadata["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": query(landed)["code"],
            "redirect_uri": NATIVE_APP,
            "client_id": provider.client_id,
            "client_secret": provider.client_secret,
            "code_verifier": verifier,
        },
    )
    assert tokens.status_code == 200, tokens.text
    answer = client.sign_in_with_id_token(
        {"provider": "google", "token": tokens.json()["id_token"], "nonce": nonce}
    )
    assert answer.user is not None
    assert answer.user.email == f"{name}@oidc.test"
    assert [each.id for each in answer.user.identities or [] if each.provider == "google"] == [name]


def forgeries(provider: OpenIdProvider) -> dict[str, tuple[str, str, str]]:
    now = int(time.time())
    token, nonce, subject = id_token(provider)
    claims = jwt.decode(token, options={"verify_signature": False})
    kid = {"kid": provider.signing_key["kid"]}
    stranger = {k: v for k, v in generate_jwk("RS256").items() if k != "key_ops"}
    return {
        "wrong issuer": id_token(provider, iss="https://accounts.evil.example"),
        "wrong audience": id_token(provider, aud="another-client"),
        "expired": id_token(provider, exp=now - 600, iat=now - 900),
        "wrong nonce": (token, "not-the-nonce", subject),
        "no nonce passed": (token, "", subject),
        "alg none": (unsigned_token(claims), nonce, subject),
        "HS256 keyed with the client secret": (
            jwt.encode(claims, provider.client_secret, "HS256", headers=kid),
            nonce,
            subject,
        ),
        "signed by another key": (
            jwt.encode(claims, jwt.PyJWK(stranger).key, "RS256", headers=kid),
            nonce,
            subject,
        ),
    }


def test_forged_id_tokens_are_refused_and_create_nothing(
    client: SyncGoTrueClient, provider: OpenIdProvider, auth_db: str
) -> None:
    for name, (token, nonce, subject) in forgeries(provider).items():
        with pytest.raises(AuthApiError) as refused:
            client.sign_in_with_id_token(
                {"provider": "google", "token": token, **({"nonce": nonce} if nonce else {})}  # type: ignore[typeddict-item]
            )
        assert refused.value.status == 400, name
        assert refused.value.code == "validation_failed", name
        assert identities_of(auth_db, subject) == [], name


def test_discord_through_its_user_endpoint(
    client: SyncGoTrueClient, auth_url: str, provider: OpenIdProvider
) -> None:
    """Discord has no ID tokens: the identity comes from its user object (here served by the
    stand-in's userinfo with Discord's fields, which it serves to an `openid` scope only)."""
    name = new_login()
    answer = httpx.get(
        f"{auth_url}/authorize",
        params={"provider": "discord", "redirect_to": APP, "scopes": "openid"},
    )
    assert answer.status_code == 302
    assert "scope=identify+email+openid" in answer.headers["location"]
    landed = browse(answer.headers["location"], provider, name)
    found = client.get_user(fragment(landed)["access_token"])
    assert found is not None
    discord = [each for each in found.user.identities or [] if each.provider == "discord"]
    assert [each.id for each in discord] == [name]
    assert discord[0].identity_data["full_name"] == f"Player {name}"
    assert discord[0].identity_data["email_verified"] is True
    assert found.user.email == f"{name}@oidc.test"


def test_supabase_js_signs_in_with_oauth_and_pkce(
    auth_url: str, stack_settings: StackSettings, provider: OpenIdProvider
) -> None:
    """supabase-js under Node: signInWithOAuth (skipBrowserRedirect, flowType pkce), the
    browser's sign-in at the provider, exchangeCodeForSession with the stored verifier."""
    name = new_login()
    key = stack_settings.anon_key.get_secret_value()
    base = auth_url.removesuffix("/auth/v1")
    with subprocess.Popen(
        ["node", str(JS / "oauth_pkce.mjs"), base, key, APP],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdin is not None and process.stdout is not None
        try:
            line = process.stdout.readline().strip()
            assert line.startswith("URL "), line
            landed = browse(line.removeprefix("URL "), provider, name)
            process.stdin.write(landed + "\n")
            process.stdin.flush()
            line = process.stdout.readline().strip()
        finally:
            process.kill()
    assert line.startswith("RESULT "), line
    assert json.loads(line.removeprefix("RESULT ")) == {
        "email": f"{name}@oidc.test",
        "provider": "keycloak",
        "session": True,
    }


def test_callback_bad_input_redirects_with_gotrue_errors(
    client: SyncGoTrueClient, auth_url: str
) -> None:
    missing = httpx.get(f"{auth_url}/callback", params={"code": "abc"})
    assert missing.status_code == 303
    assert fragment(missing.headers["location"])["error_code"] == "bad_oauth_callback"
    # The provider's refusal (the user pressed "cancel") ends the flow: its state is spent.
    to_provider = httpx.get(start(client, "keycloak"), follow_redirects=False)
    state = query(to_provider.headers["location"])["state"]
    denied = httpx.get(f"{auth_url}/callback", params={"state": state, "error": "access_denied"})
    assert denied.headers["location"].startswith(APP)
    assert fragment(denied.headers["location"])["error_description"] == "access_denied"
    again = httpx.get(f"{auth_url}/callback", params={"state": state, "code": "abc"})
    assert fragment(again.headers["location"])["error_code"] == "bad_oauth_state"


@pytest.mark.parametrize(
    ("grant", "body", "code"),
    [
        ("pkce", {}, "validation_failed"),
        ("pkce", {"auth_code": "nope", "code_verifier": "v" * 50}, "flow_state_not_found"),
        ("pkce", {"auth_code": "nope", "code_verifier": "short"}, "validation_failed"),
        ("id_token", {"provider": "myspace", "id_token": "a.b.c"}, "validation_failed"),
        ("id_token", {"provider": "google", "id_token": "not a token"}, "validation_failed"),
    ],
)
def test_token_grants_refuse_bad_bodies(
    auth_url: str, stack_settings: StackSettings, grant: str, body: dict[str, str], code: str
) -> None:
    answer = httpx.post(
        f"{auth_url}/token",
        params={"grant_type": grant},
        json=body,
        headers={"apikey": stack_settings.anon_key.get_secret_value()},
    )
    assert answer.status_code in (400, 404), answer.text
    assert answer.json()["error_code"] == code


def test_settings_list_the_enabled_providers(auth_url: str, stack_settings: StackSettings) -> None:
    answer = httpx.get(
        f"{auth_url}/settings", headers={"apikey": stack_settings.anon_key.get_secret_value()}
    )
    external = answer.json()["external"]
    assert external["keycloak"] is external["google"] is external["discord"] is True
    assert external["email"] is True
