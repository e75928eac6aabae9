"""The admin API at `/functions/v1/modules` (docs/modules.md): list, install or upgrade from
manifest JSON bodies, remove. Callers: the service role or a user with `module.manage`; anon
and tokenless callers get a 401, other users a 403 (the database's own refusal, 42501).

Each request acts as its caller on one short synchronous session (the install is all or
nothing in `functions.modules.store`, which the CLI shares) with the pre-request check
`app_private.check_request()` for users, as on REST.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

import psycopg
from fastapi import APIRouter, Depends, FastAPI, Header, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from functions.common.config import FunctionSettings, settings_dependency
from functions.common.errors import (
    ApiError,
    from_database_error,
    install_error_handlers,
)
from functions.modules.manifest import (
    MAX_MANIFEST_BYTES,
    Manifest,
    ManifestError,
    parse_manifest,
)
from functions.modules.store import install_manifests, installed_manifests, remove_module
from native_platform.caller import (
    CallerContext,
    TokenProblem,
    TokenRejected,
    bearer_token,
    caller_context_sql,
    stack_verifier,
)

__all__ = ["create_app"]

T = TypeVar("T")
_CHALLENGE = {"WWW-Authenticate": "Bearer"}
_CRYPTO = frozenset({TokenProblem.MALFORMED, TokenProblem.BAD_SIGNATURE})
MAX_UPLOAD = 20
_HIDDEN = frozenset({"cookie", "authorization", "apikey"})

get_settings = settings_dependency(FunctionSettings)
SettingsDep = Annotated[FunctionSettings, Depends(get_settings)]


def _unauthorized(code: str, message: str) -> ApiError:
    return ApiError(401, code, message, None, None, _CHALLENGE)


def get_caller(
    request: Request,
    settings: SettingsDep,
    authorization: Annotated[str | None, Header()] = None,
) -> CallerContext:
    """A signed-in user or the service role; no token or the anon key is a 401."""
    token = bearer_token(authorization)
    if token is None:
        raise _unauthorized("PGRST302", "Managing modules needs a Bearer token")
    try:
        verified = stack_verifier(settings.jwt_secret.get_secret_value()).verify(token)
    except TokenRejected as rejected:
        code = "PGRST301" if rejected.problem in _CRYPTO else "PGRST303"
        raise _unauthorized(code, f"Invalid token: {rejected.message}") from None
    if verified.role not in ("authenticated", "service_role"):
        raise _unauthorized("PGRST303", "Managing modules needs a user or the service role")
    headers = {k: v for k, v in request.headers.items() if k not in _HIDDEN}
    return CallerContext.of(verified, request.method, request.url.path, headers)


CallerDep = Annotated[CallerContext, Depends(get_caller)]


@contextmanager
def _session(settings: FunctionSettings, caller: CallerContext) -> Iterator[psycopg.Connection]:
    """One transaction as `caller`; the store's own transaction is a savepoint inside it."""
    with psycopg.connect(settings.database_url.get_secret_value()) as conn:
        try:
            conn.execute(caller_context_sql(), caller.params())
            if caller.role != "service_role":
                conn.execute("select app_private.check_request()")
            yield conn
        except psycopg.Error as error:
            raise from_database_error(error, anonymous=False) from error


async def _as(settings: FunctionSettings, caller: CallerContext, work: Callable[[Any], T]) -> T:
    def run() -> T:
        with _session(settings, caller) as conn:
            return work(conn)

    return await run_in_threadpool(run)


class ModuleVersionPublic(BaseModel):
    id: str
    version: str
    title: dict[str, str]


class InstalledPublic(BaseModel):
    id: str
    version: str
    outcome: str


router = APIRouter()


def _require_manager(conn: Any) -> None:
    """Listing writes nothing, so ask the database the same question its writers ask."""
    row = conn.execute(
        "select current_user = 'service_role' or app_private.has_permission('module.manage')"
    ).fetchone()
    if not row or not row[0]:
        raise ApiError(403, "42501", "managing modules needs module.manage")


@router.get("/", response_model=list[ModuleVersionPublic])
async def list_modules(settings: SettingsDep, caller: CallerDep) -> list[ModuleVersionPublic]:
    """Every installed version, by module id then installation."""

    def work(conn: Any) -> list[ModuleVersionPublic]:
        _require_manager(conn)
        return [
            ModuleVersionPublic(id=m.id, version=m.version, title=dict(m.title))
            for _, versions in sorted(installed_manifests(conn).items())
            for m in versions
        ]

    return await _as(settings, caller, work)


def _parse(raw: bytes) -> list[Manifest]:
    """One manifest object or a list of them, each checked as `rfl modules install` checks a
    file (size, depth, schema, rules); a `ManifestError` names the field."""
    if raw.lstrip()[:1] != b"[":
        return [parse_manifest(raw)]
    if len(raw) > MAX_MANIFEST_BYTES * MAX_UPLOAD:
        raise ManifestError("manifest", "too many or too large manifests")
    try:
        items = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as error:
        raise ManifestError("manifest", f"not valid JSON ({error})") from None
    if len(items) > MAX_UPLOAD:
        raise ManifestError("manifest", f"more than {MAX_UPLOAD} manifests")
    return [parse_manifest(json.dumps(item)) for item in items]


async def _install(settings: FunctionSettings, caller: CallerContext, request: Request) -> Any:
    manifests = _parse(await request.body())
    results = await _as(settings, caller, lambda conn: install_manifests(conn, manifests))
    return [InstalledPublic(id=r.id, version=r.version, outcome=r.outcome) for r in results]


@router.post("/", response_model=list[InstalledPublic])
async def install(settings: SettingsDep, caller: CallerDep, request: Request) -> Any:
    """Install the uploaded manifest(s) with their dependencies, all or nothing."""
    return await _install(settings, caller, request)


@router.post("/upgrade", response_model=list[InstalledPublic])
async def upgrade(settings: SettingsDep, caller: CallerDep, request: Request) -> Any:
    """Install newer versions; campaigns keep their pins until their GM upgrades."""
    return await _install(settings, caller, request)


class RemovedPublic(BaseModel):
    id: str
    removed: int


@router.delete("/{module}", response_model=RemovedPublic)
async def remove(settings: SettingsDep, caller: CallerDep, module: str) -> RemovedPublic:
    """Remove `id@version`, or every version of `id`, that no campaign pins."""
    module_id, _, version = module.partition("@")
    count = await _as(
        settings, caller, lambda conn: remove_module(conn, module_id, version or None)
    )
    return RemovedPublic(id=module_id, removed=count)


def _manifest_error(error: ManifestError) -> ApiError:
    return ApiError(422, "invalid_manifest", error.message, {"field": error.field})


def create_app(config: FunctionSettings | None = None) -> FastAPI:
    """The modules admin API; tests pass their own settings."""
    app = FastAPI(title="Game modules")
    if config is not None:
        app.dependency_overrides[get_settings] = lambda: config
    install_error_handlers(app, extra={ManifestError: _manifest_error})
    app.include_router(router)
    return app
