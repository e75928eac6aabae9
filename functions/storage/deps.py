"""FastAPI dependencies: settings, the database, the backend, and the verified caller.

Identity is `Authorization: Bearer <JWT>` only, checked by the stack's one verifier
(`native_platform.caller.JwtVerifier`); the `apikey` header is ignored, as upstream. Routes
that allow anonymous access act as `anon` without a token; the others refuse it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from functions.common.deps import request_headers
from functions.storage.backends import Backend
from functions.storage.config import StorageSettings, get_settings
from functions.storage.db import Database
from functions.storage.errors import StorageError
from functions.storage.objects import Objects
from functions.storage.signing import UrlSigner
from native_platform.caller import (
    CallerContext,
    JwtVerifier,
    TokenRejected,
    VerifiedToken,
    bearer_token,
)

__all__ = [
    "BackendDep",
    "CallerDep",
    "DbDep",
    "ObjectsDep",
    "OptionalCallerDep",
    "SettingsDep",
    "SignerDep",
]

_HIDDEN_HEADERS = frozenset({"cookie", "authorization", "apikey"})
ANON = VerifiedToken("anon", {"role": "anon"}, None)


def _state(request: Request, name: str) -> object:
    return getattr(request.app.state, name)


def get_db(request: Request) -> Database:
    db = _state(request, "db")
    assert isinstance(db, Database)
    return db


def get_backend(request: Request) -> Backend:
    return _state(request, "backend")  # type: ignore[return-value]


def get_objects(request: Request) -> Objects:
    objects = _state(request, "objects")
    assert isinstance(objects, Objects)
    return objects


def get_signer(request: Request) -> UrlSigner:
    signer = _state(request, "signer")
    assert isinstance(signer, UrlSigner)
    return signer


def _verifier(request: Request) -> JwtVerifier:
    verifier = _state(request, "verifier")
    assert isinstance(verifier, JwtVerifier)
    return verifier


def _context(request: Request, token: VerifiedToken) -> CallerContext:
    headers = request_headers(request, _HIDDEN_HEADERS)
    return CallerContext.of(token, request.method, request.url.path, headers)


def _verified(request: Request, required: bool) -> VerifiedToken:
    token = bearer_token(request.headers.get("authorization"))
    if token is None and not required:
        return ANON
    try:
        return _verifier(request).verify(token)
    except TokenRejected as error:
        raise StorageError.access_denied(error.message) from None


def get_caller(request: Request) -> CallerContext:
    """The caller of a required bearer token."""
    return _context(request, _verified(request, required=True))


def get_optional_caller(request: Request) -> CallerContext:
    """The caller of the bearer token, or `anon` without one."""
    return _context(request, _verified(request, required=False))


SettingsDep = Annotated[StorageSettings, Depends(get_settings)]
DbDep = Annotated[Database, Depends(get_db)]
BackendDep = Annotated[Backend, Depends(get_backend)]
ObjectsDep = Annotated[Objects, Depends(get_objects)]
SignerDep = Annotated[UrlSigner, Depends(get_signer)]
CallerDep = Annotated[CallerContext, Depends(get_caller)]
OptionalCallerDep = Annotated[CallerContext, Depends(get_optional_caller)]
