"""The service role's user administration under /admin/users."""

from __future__ import annotations

import math
import uuid

from psycopg.types.json import Jsonb
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from native_platform.auth.bodies import AdminUserBody
from native_platform.auth.errors import AuthError, refuse_phone
from native_platform.auth.service import AuthService
from native_platform.digits import is_ascii_digits

__all__ = ["admin_routes"]


def user_id(request: Request) -> uuid.UUID:
    try:
        return uuid.UUID(request.path_params["user_id"])
    except ValueError:
        raise AuthError(404, "user_not_found", "User not found") from None


def page_number(request: Request, name: str, default: int) -> int:
    text = request.query_params.get(name) or str(default)
    if not is_ascii_digits(text):
        raise AuthError(400, "validation_failed", f"{name} must be a positive integer")
    return int(text)


def pagination_headers(request: Request, page: int, per_page: int, total: int) -> dict[str, str]:
    """GoTrue's X-Total-Count and Link (next, last) headers."""
    last = max(1, math.ceil(total / per_page))
    path = request.url.path

    def link(number: int, rel: str) -> str:
        return f'<{path}?page={number}&per_page={per_page}>; rel="{rel}"'

    links = [link(page + 1, "next")] if page < last else []
    links.append(link(last, "last"))
    return {"X-Total-Count": str(total), "Link": ", ".join(links)}


def admin_routes(service: AuthService) -> list[Route]:
    async def attributes(request: Request) -> Jsonb:
        body = await service.body(request, AdminUserBody)
        refuse_phone(body.phone)
        return Jsonb(body.model_dump(exclude_unset=True))

    async def create_user(request: Request) -> Response:
        caller = service.admin(request)
        values = await attributes(request)
        if not (values.obj or {}).get("email"):
            raise AuthError(
                422, "validation_failed", "Cannot create a user without either an email or phone"
            )
        user = await service.call(request, caller, "admin_create_user", values)
        return JSONResponse(user)

    async def list_users(request: Request) -> Response:
        caller = service.admin(request)
        page = page_number(request, "page", 1)
        per_page = page_number(request, "per_page", 50)
        # GoTrue's filters: part of the email or full name, and "<column> [asc|desc]".
        filter_text = request.query_params.get("filter") or ""
        sort = request.query_params.get("sort") or None
        result = await service.call(
            request, caller, "admin_list_users", page, per_page, filter_text, sort
        )
        headers = pagination_headers(request, page, per_page, result.pop("total"))
        return JSONResponse(result, headers=headers)

    async def get_user(request: Request) -> Response:
        caller = service.admin(request)
        return JSONResponse(await service.call(request, caller, "admin_get_user", user_id(request)))

    async def update_user(request: Request) -> Response:
        caller = service.admin(request)
        target = user_id(request)
        user = await service.call(
            request, caller, "admin_update_user", target, await attributes(request)
        )
        return JSONResponse(user)

    async def delete_user(request: Request) -> Response:
        caller = service.admin(request)
        await service.call(request, caller, "admin_delete_user", user_id(request))
        return JSONResponse({})

    return [
        Route("/admin/users", create_user, methods=["POST"]),
        Route("/admin/users", list_users, methods=["GET"]),
        Route("/admin/users/{user_id}", get_user, methods=["GET"]),
        Route("/admin/users/{user_id}", update_user, methods=["PUT"]),
        Route("/admin/users/{user_id}", delete_user, methods=["DELETE"]),
    ]
