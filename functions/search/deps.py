"""Dependencies of the search function: the verified caller and the Typesense client."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Request

from functions.common.deps import ConfigDep, request_headers
from functions.search.caller import verify_token
from native_platform.caller import CallerContext

__all__ = ["CallerDep", "TypesenseDep"]

_HIDDEN_HEADERS = frozenset({"cookie", "authorization", "apikey"})


def get_caller(
    request: Request,
    config: ConfigDep,
    authorization: Annotated[str | None, Header()] = None,
    apikey: Annotated[str | None, Header()] = None,
) -> CallerContext:
    """The caller of a bearer token, or of the `apikey` header when there is no bearer."""
    bearer = authorization or (f"Bearer {apikey}" if apikey else None)
    token = verify_token(bearer, config.jwt_secret.get_secret_value())
    headers = request_headers(request, _HIDDEN_HEADERS)
    return CallerContext.of(token, request.method, request.url.path, headers)


def get_typesense(request: Request) -> Any:
    return request.app.state.typesense


CallerDep = Annotated[CallerContext, Depends(get_caller)]
TypesenseDep = Annotated[Any, Depends(get_typesense)]
