"""Social sign-in providers, from config.toml's `[auth.external.<name>]` (ADR 0029).

Two kinds, as GoTrue's providers behave:
- `oidc` (google, and any other name as a generic OpenID provider at `url`): endpoints from the
  issuer's discovery document, the identity from the validated ID token.
- `discord`: OAuth 2.0 without ID tokens; the identity from Discord's `/users/@me`.
`url` points google or discord at a stand-in (the tests' local OpenID provider): its discovery
document then names the endpoints.
"""

from __future__ import annotations

import os
from typing import Any, Literal

from dotenv import dotenv_values
from pydantic import BaseModel, ConfigDict

from native_platform.project_config import AuthExternalBlock, load_project_config
from native_platform.settings import env_file_path

__all__ = ["ExternalProvider", "configured_providers", "identity_of"]

GOOGLE_ISSUER = "https://accounts.google.com"
DISCORD_API = "https://discord.com/api"
DEFAULT_SCOPES = {
    "google": "openid email profile",
    "discord": "identify email",
}


class ExternalProvider(BaseModel):
    """One enabled provider: who we are to it and where it is."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: Literal["oidc", "discord"]
    client_id: str
    secret: str
    # The OpenID issuer whose discovery document names the endpoints; "" for Discord itself.
    issuer: str = ""
    scopes: str = "openid email profile"
    skip_nonce_check: bool = False
    # Where the provider sends the browser back (our /callback); "" = API_EXTERNAL_URL's.
    redirect_uri: str = ""

    def endpoints_fixed(self) -> dict[str, str]:
        """Discord's own endpoints (no discovery document)."""
        return {
            "authorization_endpoint": "https://discord.com/oauth2/authorize",
            "token_endpoint": f"{DISCORD_API}/oauth2/token",
            "userinfo_endpoint": f"{DISCORD_API}/users/@me",
        }


def _secret(reference: str) -> str:
    """The value of `env(NAME)`: the process environment, else the env file."""
    if not reference:
        return ""
    name = reference.removeprefix("env(").removesuffix(")")
    value = os.environ.get(name)
    if value is None:
        path = env_file_path()
        value = (dotenv_values(path).get(name) if path.exists() else None) or ""
    return value


def provider_of(name: str, block: AuthExternalBlock) -> ExternalProvider:
    kind: Literal["oidc", "discord"] = "discord" if name == "discord" else "oidc"
    issuer = block.url or (GOOGLE_ISSUER if name == "google" else "")
    if kind == "oidc" and not issuer:
        raise ValueError(f"[auth.external.{name}] needs `url`: the provider's OpenID issuer")
    return ExternalProvider(
        name=name,
        kind=kind,
        client_id=block.client_id,
        secret=_secret(block.secret),
        issuer=issuer,
        scopes=DEFAULT_SCOPES.get(name, "openid email profile"),
        skip_nonce_check=block.skip_nonce_check,
        redirect_uri=block.redirect_uri,
    )


def configured_providers() -> dict[str, ExternalProvider]:
    """The enabled providers of config.toml."""
    external = load_project_config().auth.external
    return {name: provider_of(name, block) for name, block in external.items() if block.enabled}


def identity_of(provider: ExternalProvider, claims: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(provider_id, identity_data) as GoTrue stores them, from ID-token claims or Discord's
    user object."""
    if provider.kind == "discord":
        user_id = str(claims.get("id") or "")
        avatar = claims.get("avatar")
        data: dict[str, Any] = {
            "iss": DISCORD_API,
            "sub": user_id,
            "provider_id": user_id,
            "name": claims.get("username"),
            "full_name": claims.get("global_name") or claims.get("username"),
            "email": claims.get("email"),
            "email_verified": bool(claims.get("verified")),
            "avatar_url": (
                f"https://cdn.discordapp.com/avatars/{user_id}/{avatar}.png" if avatar else None
            ),
            "custom_claims": {"global_name": claims.get("global_name")},
        }
    else:
        user_id = str(claims.get("sub") or "")
        data = {
            "iss": claims.get("iss"),
            "sub": user_id,
            "provider_id": user_id,
            "name": claims.get("name"),
            "full_name": claims.get("name"),
            "email": claims.get("email"),
            "email_verified": claims.get("email_verified") is True,
            "picture": claims.get("picture"),
            "avatar_url": claims.get("picture"),
            "preferred_username": claims.get("preferred_username"),
        }
    data["phone_verified"] = False
    return user_id, {key: value for key, value in data.items() if value is not None}
