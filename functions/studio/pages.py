"""The studio's pages. Each acts as the signed-in user through the public APIs (RLS decides),
except the users page, which the admin check guards (web.signed_in(admin_only=True))."""

from __future__ import annotations

import asyncio
import secrets
import time
from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from functions.studio import system
from functions.studio.api import ApiError
from functions.studio.schema import Table, tables_of
from functions.studio.session import LOGIN_COOKIE, Session, cross_site, same_token
from functions.studio.web import Refused, api, box, cookie_path, redirect, render, secure

__all__ = [
    "audit",
    "campaigns",
    "content",
    "edit",
    "home",
    "login",
    "logout",
    "pack_action",
    "rows",
    "system_page",
    "table_list",
    "users",
]

ROLE_NAMES = ("admin", "moderator", "content_editor", "player")
OPERATORS = ("eq", "neq", "ilike", "gt", "lt", "is")
# A foreign key's picker lists at most this many rows of its target; with more it stays a text
# field (a select missing the current value would lose it on save).
FOREIGN_CHOICES = 200
# The first of these the target has labels each choice (next to its key).
LABEL_COLUMNS = ("name", "title", "slug", "display_name", "email", "lemma", "code")


async def login_form(request: Request, message: str = "", status: int = 200) -> Response:
    """The sign-in form, with a double-submit CSRF token (there is no session yet)."""
    token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(32)
    response = render(request, "login.html", None, status, csrf=token, message=message)
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        path=cookie_path(request),
        httponly=True,
        secure=secure(request),
        samesite="strict",
    )
    return response


async def login(request: Request) -> Response:
    if request.method == "GET":
        return await login_form(request)
    form = await request.form()
    if cross_site(request) or not same_token(request.cookies.get(LOGIN_COOKIE), form.get("csrf")):
        return await login_form(request, "This form was not sent from the studio's own page.", 403)
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    try:
        tokens = await api(request).sign_in(email, password)
    except ApiError as error:
        return await login_form(request, error.message, 400)
    user = tokens["user"]
    session = Session(
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        expires_at=int(tokens.get("expires_at") or time.time() + 3600),
        user_id=user["id"],
        email=user.get("email", ""),
        roles=list((user.get("app_metadata") or {}).get("roles", [])),
    )
    response = redirect(request, "/")
    box(request).write(response, session, secure(request), cookie_path(request))
    response.delete_cookie(LOGIN_COOKIE, path=cookie_path(request))
    return response


async def logout(request: Request, session: Session) -> Response:
    try:
        await api(request).sign_out(session.access_token)
    except ApiError:
        pass  # already signed out elsewhere (or banned): the cookie goes all the same
    response = redirect(request, "/login")
    box(request).clear(response, cookie_path(request))
    return response


async def home(request: Request, session: Session) -> Response:
    return render(request, "home.html", session)


async def tables(request: Request, session: Session) -> dict[str, Table]:
    return tables_of(await api(request).openapi(session.access_token))


async def table_of(request: Request, session: Session) -> tuple[Table, dict[str, Table]]:
    """The page's table, and every table the user's document lists (foreign key targets)."""
    listed = await tables(request, session)
    found = listed.get(request.path_params["table"])
    if found is None:
        raise Refused(404, "No such table, or you may not see it.")
    return found, listed


async def table_list(request: Request, session: Session) -> Response:
    return render(request, "tables.html", session, tables=await tables(request, session))


def key_filter(table: Table, values: Any) -> dict[str, str]:
    if not table.key:
        raise Refused(400, "This table has no primary key to address a row by.")
    return {c.name: f"eq.{values.get(c.name, '')}" for c in table.key}


def list_params(table: Table, query: Any, page_number: int, size: int) -> dict[str, str]:
    """PostgREST parameters of the filter, sort and page the form asked for."""
    params = {"limit": str(size), "offset": str((page_number - 1) * size)}
    column, op, value = query.get("column", ""), query.get("op", "eq"), query.get("value", "")
    if table.column(column) and op in OPERATORS and value:
        params[column] = f"{op}.{value}"
    sort = query.get("sort", "")
    if table.column(sort):
        params["order"] = f"{sort}.{'desc' if query.get('desc') else 'asc'}"
    return params


async def rows(request: Request, session: Session) -> Response:
    table, _ = await table_of(request, session)
    size = request.app.state.config.page_size
    query = request.query_params
    raw_page = query.get("page", "1")
    page_number = max(int(raw_page), 1) if raw_page.isdigit() else 1
    found, response = await api(request).rest(
        "GET",
        table.name,
        session.access_token,
        params=list_params(table, query, page_number, size),
        headers={"Prefer": "count=exact"},
    )
    total = response.headers.get("content-range", "*/0").split("/")[-1]
    return render(
        request,
        "rows.html",
        session,
        table=table,
        rows=found,
        total=total,
        page_number=page_number,
        query=query,
        has_next=total.isdigit() and page_number * size < int(total),
    )


Choice = tuple[str, str]  # (key, label)


async def choices_of(
    request: Request, session: Session, target: Table | None, key: str
) -> list[Choice] | None:
    """The target's rows the user may read, as (key, label), or None: unreadable or too many."""
    if target is None or target.column(key) is None:
        return None
    label = next((c for c in LABEL_COLUMNS if c != key and target.column(c)), None)
    params = {
        "select": f"{key},{label}" if label else key,
        "order": label or key,
        "limit": str(FOREIGN_CHOICES + 1),
    }
    try:
        found, _ = await api(request).rest("GET", target.name, session.access_token, params=params)
    except ApiError:
        return None  # a target the user may not read: the field stays free text
    if len(found) > FOREIGN_CHOICES:
        return None
    return [(str(r[key]), f"{r[label]} ({r[key]})" if label else str(r[key])) for r in found]


async def pickers(
    request: Request, session: Session, table: Table, listed: dict[str, Table], row: dict[str, Any]
) -> dict[str, list[Choice]]:
    """Select choices for the foreign keys the OpenAPI document notes (PostgREST's `<fk/>` tag):
    the target's rows, labelled by a name-like column; the row's current value always listed."""
    pickers_by_column = {}
    for column in table.columns:
        if column.references is None:
            continue
        target, key = column.references
        choices = await choices_of(request, session, listed.get(target), key)
        if choices is None:
            continue
        current = row.get(column.name)
        if current is not None and str(current) not in {k for k, _ in choices}:
            choices.insert(0, (str(current), str(current)))
        pickers_by_column[column.name] = choices
    return pickers_by_column


def values_of(table: Table, form: FormData) -> dict[str, Any]:
    """The filled-in fields, typed as the OpenAPI document says (left empty: not sent)."""
    values = {}
    for column in table.columns:
        raw = form.get(f"col_{column.name}")
        if raw is None or raw == "":
            continue
        try:
            values[column.name] = column.parse(str(raw))
        except ValueError as error:
            raise Refused(400, f"{column.name}: {error}") from None
    return values


async def save(request: Request, session: Session, table: Table, creating: bool) -> Response:
    form = await request.form()
    token = session.access_token
    if form.get("action") == "delete":
        if form.get("confirm") != "yes":
            raise Refused(400, "Tick the confirmation box to delete the row.")
        await api(request).rest("DELETE", table.name, token, params=key_filter(table, form))
    elif creating:
        await api(request).rest("POST", table.name, token, json=values_of(table, form))
    else:
        params, values = key_filter(table, form), values_of(table, form)
        await api(request).rest("PATCH", table.name, token, params=params, json=values)
    return redirect(request, f"/tables/{table.name}")


async def edit(request: Request, session: Session) -> Response:
    table, listed = await table_of(request, session)
    creating = request.path_params.get("mode") == "new"
    if request.method == "POST":
        return await save(request, session, table, creating)
    row: dict[str, Any] = {}
    if not creating:
        params = key_filter(table, request.query_params)
        found, _ = await api(request).rest("GET", table.name, session.access_token, params=params)
        if not found:
            raise Refused(404, "No such row, or you may not see it.")
        row = found[0]
    choices = await pickers(request, session, table, listed, row)
    return render(
        request, "edit.html", session, table=table, row=row, creating=creating, choices=choices
    )


async def users(request: Request, session: Session) -> Response:
    """Admins only (checked against the database before this runs): the auth admin API."""
    client = api(request)
    if request.method == "POST":
        form = await request.form()
        target, action = str(form.get("user_id", "")), form.get("action")
        if action == "ban":
            await client.update_user(target, {"ban_duration": "876000h"})
        elif action == "unban":
            await client.update_user(target, {"ban_duration": "none"})
        elif action == "roles":
            roles = [r for r in form.getlist("roles") if r in ROLE_NAMES]
            await client.update_user(target, {"app_metadata": {"roles": roles}})
        elif action == "sign_out":
            # GoTrue's admin API has no such route: an RPC the database allows admins only
            # (user.manage), called as the signed-in admin; audited there.
            body = {"target_user_id": target}
            await client.rest("POST", "rpc/sign_out_user", session.access_token, json=body)
        return redirect(request, "/users")
    search = request.query_params.get("q", "").lower()
    listed = await client.find_users(search)
    return render(request, "users.html", session, users=listed, q=search, role_names=ROLE_NAMES)


async def campaigns(request: Request, session: Session) -> Response:
    """Archive a campaign: a PATCH as the user, which RLS allows moderators (and the gm)."""
    client = api(request)
    if request.method == "POST":
        form = await request.form()
        await client.rest(
            "PATCH",
            "campaigns",
            session.access_token,
            params={"id": f"eq.{form.get('campaign_id', '')}"},
            json={"status": "archived"},
        )
        return redirect(request, "/campaigns")
    params = {"select": "id,name,status,visibility", "order": "name"}
    found, _ = await client.rest("GET", "campaigns", session.access_token, params=params)
    member_params = {"select": "campaign_id,user_id,role", "order": "joined_at"}
    members, _ = await client.rest(
        "GET", "campaign_members", session.access_token, params=member_params
    )
    for campaign in found:
        campaign["members"] = [m for m in members if m["campaign_id"] == campaign["id"]]
    roll_params = {
        "select": "id,campaign_id,purpose,created_at",
        "purpose": "not.is.null",
        "order": "created_at.desc",
        "limit": "50",
    }
    rolls, _ = await client.rest("GET", "dice_rolls", session.access_token, params=roll_params)
    return render(request, "campaigns.html", session, campaigns=found, rolls=rolls)


async def remove_member(request: Request, session: Session) -> Response:
    """Remove a campaign member (RPC as the user: campaign.moderate; audited in the database)."""
    form = await request.form()
    campaign_id, _, user_id = str(form.get("member", "")).partition("/")
    body = {"target_campaign_id": campaign_id, "member_id": user_id}
    await api(request).rest("POST", "rpc/remove_campaign_member", session.access_token, json=body)
    return redirect(request, "/campaigns")


async def hide_purpose(request: Request, session: Session) -> Response:
    """Hide a roll's purpose text (RPC as the user: campaign.moderate; audited in the database)."""
    form = await request.form()
    body = {"target_roll_id": str(form.get("roll_id", ""))}
    await api(request).rest("POST", "rpc/hide_roll_purpose", session.access_token, json=body)
    return redirect(request, "/campaigns")


async def content(request: Request, session: Session) -> Response:
    """Publish or unpublish items as the user (RLS: content editors and admins)."""
    client = api(request)
    if request.method == "POST":
        form = await request.form()
        published = datetime.now(UTC).isoformat() if form.get("action") == "publish" else None
        await client.rest(
            "PATCH",
            "items",
            session.access_token,
            params={"id": f"eq.{form.get('item_id', '')}"},
            json={"published_at": published},
        )
        return redirect(request, "/content")
    params = {"select": "id,name,is_published", "order": "name"}
    found, _ = await client.rest("GET", "items", session.access_token, params=params)
    pack_params = {
        "select": "slug,learning_language,content_pack_versions(version),decks(published_at)",
        "order": "slug",
    }
    packs, _ = await client.rest("GET", "content_packs", session.access_token, params=pack_params)
    for pack in packs:
        versions = [v["version"] for v in pack.pop("content_pack_versions", None) or []]
        pack["latest"] = max(versions, default=None)
        decks = pack.pop("decks", None) or []
        pack["decks"] = len(decks)
        pack["live_decks"] = sum(1 for d in decks if d["published_at"] is not None)
    try:
        index, _ = await client.rest("POST", "rpc/search_index_status", session.access_token)
    except ApiError:  # only content.publish holders may read it; the page works without it
        index = []
    return render(
        request, "content.html", session, items=found, packs=packs, index=(index or [None])[0]
    )


async def pack_action(request: Request, session: Session) -> Response:
    """Publish a pack (its next frozen version, restoring decks an unpublish withdrew) or, once
    the confirmation box is ticked, unpublish it (its decks become drafts and leave search).
    RPCs as the user: content.publish; the unpublishing is audited in the database."""
    form = await request.form()
    body = {"pack_slug": str(form.get("slug", ""))}
    rpc = "rpc/publish_content_pack"
    if form.get("action") == "unpublish":
        if form.get("confirm") != "yes":
            raise Refused(400, "Tick the confirmation box to unpublish the pack.")
        rpc = "rpc/unpublish_content_pack"
    await api(request).rest("POST", rpc, session.access_token, json=body)
    return redirect(request, "/content")


async def audit(request: Request, session: Session) -> Response:
    """The newest audit entries, optionally of one table (RPC as the user: audit.read)."""
    query = request.query_params
    only_table = query.get("table") or None
    raw_rows = query.get("rows", "100")
    max_rows = min(max(int(raw_rows), 1), 1000) if raw_rows.isdigit() else 100
    body = {"only_table": only_table, "max_rows": max_rows}
    client = api(request)
    verdict = None
    if request.method == "POST":  # admins (audit.verify): recompute the hash chain
        verdicts, _ = await client.rest("POST", "rpc/verify_audit_chain", session.access_token)
        verdict = verdicts[0]
    entries, _ = await client.rest("POST", "rpc/audit_log", session.access_token, json=body)
    return render(
        request,
        "audit.html",
        session,
        entries=entries,
        table=only_table or "",
        rows=max_rows,
        verdict=verdict,
    )


async def system_page(request: Request, session: Session) -> Response:
    """Admins only: service status and migrations (/ready), key metrics, backups; each part
    says "unavailable" on its own when its source does not answer."""
    config = request.app.state.config
    http = api(request).http
    ready, metrics, backups = await asyncio.gather(
        system.readiness(http, config.api_url),
        system.metrics(http, config.prometheus_url),
        system.backups() if config.list_backups else asyncio.sleep(0, None),
    )
    return render(request, "system.html", session, ready=ready, metrics=metrics, backups=backups)
