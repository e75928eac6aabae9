"""Calls to the stack's public APIs: /auth/v1 and /rest/v1, as the signed-in user unless an admin
action needs the service role (then only after `is_admin` asked the database)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx

from functions.studio.config import StudioSettings

__all__ = ["ApiError", "StackApi", "plain_error"]


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def plain_error(response: httpx.Response) -> str:
    """The API's error in plain words (PostgREST's message/details/hint, GoTrue's msg)."""
    try:
        body = response.json()
    except ValueError:
        return f"The server answered {response.status_code}."
    if not isinstance(body, dict):
        return f"The server answered {response.status_code}."
    parts = [body.get(k) for k in ("message", "msg", "error_description", "details", "hint")]
    text = " ".join(str(p) for p in parts if p)
    return text or f"The server answered {response.status_code}."


class StackApi:
    def __init__(self, settings: StudioSettings, http: httpx.AsyncClient) -> None:
        self.settings = settings
        self.http = http
        self.base = settings.api_url.rstrip("/")
        self.anon = settings.anon_key.get_secret_value()

    def _headers(self, token: str | None, **extra: str) -> dict[str, str]:
        return {"apikey": self.anon, "Authorization": f"Bearer {token or self.anon}", **extra}

    async def _send(self, method: str, path: str, token: str | None, **kw: Any) -> httpx.Response:
        headers = self._headers(token, **kw.pop("headers", {}))
        response = await self.http.request(method, self.base + path, headers=headers, **kw)
        if response.status_code >= 400:
            raise ApiError(response.status_code, plain_error(response))
        return response

    async def sign_in(self, email: str, password: str) -> dict[str, Any]:
        body = {"email": email, "password": password}
        response = await self._send("POST", "/auth/v1/token?grant_type=password", None, json=body)
        result: dict[str, Any] = response.json()
        return result

    async def refresh(self, refresh_token: str) -> dict[str, Any]:
        body = {"refresh_token": refresh_token}
        path = "/auth/v1/token?grant_type=refresh_token"
        result: dict[str, Any] = (await self._send("POST", path, None, json=body)).json()
        return result

    async def sign_out(self, token: str, scope: str = "local") -> None:
        await self._send("POST", f"/auth/v1/logout?scope={scope}", token)

    async def openapi(self, token: str) -> dict[str, Any]:
        result: dict[str, Any] = (await self._send("GET", "/rest/v1/", token)).json()
        return result

    async def rest(
        self, method: str, path: str, token: str, **kw: Any
    ) -> tuple[Any, httpx.Response]:
        response = await self._send(method, "/rest/v1/" + path, token, **kw)
        return (response.json() if response.content else None), response

    # The auth admin API takes only the service role: these run after `is_admin` said yes.
    def _service(self) -> str:
        return self.settings.service_role_key.get_secret_value()

    async def is_admin(self, user_id: str) -> bool:
        """The user's app roles as the database holds them now (not as a token once said)."""
        try:
            user = (
                await self._send("GET", f"/auth/v1/admin/users/{user_id}", self._service())
            ).json()
        except ApiError:
            return False
        return "admin" in (user.get("app_metadata") or {}).get("roles", [])

    async def list_users(self, page: int, per_page: int, search: str = "") -> list[dict[str, Any]]:
        query = urlencode({"page": page, "per_page": per_page, "filter": search})
        answer = await self._send("GET", f"/auth/v1/admin/users?{query}", self._service())
        users: list[dict[str, Any]] = answer.json()["users"]
        return users

    async def find_users(self, search: str, per_page: int = 1000, pages: int = 100) -> list[Any]:
        """Users whose email or name contains `search` (GoTrue's `filter`), every page of them
        until a short one, at most `pages`."""
        found: list[dict[str, Any]] = []
        for page in range(1, pages + 1):
            users = await self.list_users(page, per_page, search)
            found.extend(users)
            if len(users) < per_page:
                break
        return found

    async def update_user(self, user_id: str, attributes: dict[str, Any]) -> dict[str, Any]:
        path = f"/auth/v1/admin/users/{user_id}"
        user: dict[str, Any] = (
            await self._send("PUT", path, self._service(), json=attributes)
        ).json()
        return user
