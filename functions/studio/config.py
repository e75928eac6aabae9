"""The studio's settings: where the stack's public APIs answer and the keys it holds."""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from pydantic import BaseModel, Field, SecretStr

from native_platform.settings import load_settings

__all__ = ["StudioSettings", "get_settings"]


class StudioSettings(BaseModel):
    """The service key stays on the server: it is used only after the database says the signed-in
    user holds the admin app role (docs/adr/0013-studio-through-public-apis.md)."""

    api_url: str = Field(description="The gateway's URL the studio calls (/auth/v1, /rest/v1)")
    anon_key: SecretStr
    service_role_key: SecretStr
    cookie_secret: SecretStr = Field(min_length=32)
    page_size: int = Field(default=25, ge=1, le=200)
    prometheus_url: str | None = Field(default=None, description="The local Prometheus, if any")
    list_backups: bool = Field(default=True, description="Run `rfl backup list` on the system page")

    def fernet_key(self) -> bytes:
        digest = hashlib.sha256(b"studio-session:" + self.cookie_secret.get_secret_value().encode())
        return base64.urlsafe_b64encode(digest.digest())


@lru_cache
def get_settings() -> StudioSettings:
    stack = load_settings()
    return StudioSettings(
        api_url=stack.api_url,
        anon_key=stack.anon_key,
        service_role_key=stack.service_role_key,
        cookie_secret=stack.jwt_secret,
        prometheus_url=f"http://127.0.0.1:{stack.prometheus_port}",
    )
