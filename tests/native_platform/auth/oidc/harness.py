"""The local OpenID provider of the auth tests (`provider.mjs`: npm's certified oidc-provider)
and a browser stand-in that signs in on its login page."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx
import orjson

from native_platform.signing_keys import generate_jwk

__all__ = ["OpenIdProvider", "running_provider", "sign_in_at_provider"]

SCRIPT = Path(__file__).with_name("provider.mjs")
FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')


@dataclass(frozen=True)
class OpenIdProvider:
    issuer: str
    client_id: str
    client_secret: str
    signing_key: dict[str, Any]  # the provider's private JWK: tests forge claims with it


@contextmanager
def running_provider(port: int, redirect_uris: list[str]) -> Iterator[OpenIdProvider]:
    """oidc-provider on `port` with one confidential client allowed to return to
    `redirect_uris`; stopped when the block ends."""
    key = {k: v for k, v in generate_jwk("RS256").items() if k != "key_ops"}
    client = {"client_id": "rfl-test", "client_secret": "rfl-test-client-secret-0123456789abcdef"}
    clients = [{**client, "redirect_uris": redirect_uris}]
    process = subprocess.Popen(
        [
            "node",
            str(SCRIPT),
            str(port),
            orjson.dumps(clients).decode(),
            orjson.dumps({"keys": [key]}).decode(),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("READY "):
            raise RuntimeError(f"the OpenID provider did not start: {line!r}")
        yield OpenIdProvider(line.split()[1], client["client_id"], client["client_secret"], key)
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def sign_in_at_provider(url: str, login: str, leaves: tuple[str, ...]) -> str:
    """Open `url` as a browser would, sign in as `login` on the provider's login page, and
    return the first redirect that leaves every origin of `leaves` (the app's URL)."""
    with httpx.Client(timeout=15, follow_redirects=False) as browser:
        for _ in range(20):
            response = browser.get(url)
            if response.is_redirect:
                url = urljoin(url, response.headers["location"])
                if not url.startswith(leaves):
                    return url
                continue
            assert response.status_code == 200, response.text
            action = FORM_ACTION.search(response.text)
            assert action is not None, response.text
            answer = browser.post(
                urljoin(url, action.group(1)),
                data={"prompt": "login", "login": login, "password": "any password"},
            )
            assert answer.is_redirect, answer.text
            url = urljoin(url, answer.headers["location"])
    raise AssertionError("the sign-in never left the provider")
