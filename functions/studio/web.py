"""What every studio page shares: rendering with the security headers, the signed-in wrapper
(session, token refresh, CSRF and cross-site checks, the admin check) and plain-word errors."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from functions.studio.api import ApiError, StackApi
from functions.studio.session import Session, SessionBox, cross_site, same_token

__all__ = [
    "CSP",
    "Handler",
    "Refused",
    "api",
    "box",
    "cookie_path",
    "redirect",
    "render",
    "secure",
    "signed_in",
]

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)
Handler = Callable[[Request, Session], Awaitable[Response]]
SHOWN_STATUSES = (400, 401, 403, 404, 409)


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def api(request: Request) -> StackApi:
    found: StackApi = request.app.state.api
    return found


def box(request: Request) -> SessionBox:
    found: SessionBox = request.app.state.box
    return found


def root(request: Request) -> str:
    return str(request.scope.get("root_path", ""))


def cookie_path(request: Request) -> str:
    """The studio's mount path (`/studio`): its cookies go nowhere else."""
    return root(request) or "/"


def redirect(request: Request, path: str) -> RedirectResponse:
    """303 to a studio page (after a form post, so a reload does not post again)."""
    return RedirectResponse(root(request) + path, status_code=303)


def secure(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


def render(
    request: Request, name: str, session: Session | None, status: int = 200, **context: Any
) -> HTMLResponse:
    body = TEMPLATES.get_template(name).render(session=session, root=root(request), **context)
    response = HTMLResponse(body, status_code=status)
    response.headers["content-security-policy"] = CSP
    response.headers["x-content-type-options"] = "nosniff"
    response.headers["referrer-policy"] = "same-origin"
    response.headers["cache-control"] = "no-store"
    return response


async def refreshed(request: Request, session: Session) -> bool:
    """Refresh the access token shortly before it expires (ApiError when the session is gone)."""
    if session.expires_at - 60 > time.time():
        return False
    tokens = await api(request).refresh(session.refresh_token)
    session.access_token = tokens["access_token"]
    session.refresh_token = tokens["refresh_token"]
    session.expires_at = int(tokens.get("expires_at") or time.time() + 3600)
    return True


async def checked(request: Request, session: Session, admin_only: bool) -> None:
    if request.method == "POST":
        form = await request.form()
        if cross_site(request) or not same_token(session.csrf, form.get("csrf")):
            raise Refused(403, "This form was not sent from the studio's own page.")
    if admin_only and not await api(request).is_admin(session.user_id):
        raise Refused(403, "Only admins may open this page.")


def signed_in(handler: Handler, admin_only: bool = False) -> Callable[[Request], Any]:
    """The endpoint for a page that needs a session (the sign-in page otherwise)."""

    async def endpoint(request: Request) -> Response:
        session = box(request).read(request)
        if session is None:
            return redirect(request, "/login")
        try:
            renewed = await refreshed(request, session)
        except ApiError:
            gone = redirect(request, "/login")
            SessionBox.clear(gone, cookie_path(request))
            return gone
        response = await answered(request, session, handler, admin_only)
        if renewed:
            box(request).write(response, session, secure(request), cookie_path(request))
        return response

    return endpoint


async def answered(request: Request, session: Session, handler: Handler, admin: bool) -> Response:
    try:
        await checked(request, session, admin)
        return await handler(request, session)
    except Refused as refused:
        return render(request, "error.html", session, refused.status, message=refused.message)
    except ApiError as error:
        status = error.status if error.status in SHOWN_STATUSES else 502
        return render(request, "error.html", session, status, message=error.message)
