"""Dependencies of the search function: the verified caller and the Typesense client."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Request
from starlette.concurrency import run_in_threadpool

from functions.common.deps import ConfigDep, PoolDep
from functions.search.caller import Caller, caller_audiences, verify_token

__all__ = ["CallerDep", "TypesenseDep"]


async def get_caller(
    config: ConfigDep,
    pool: PoolDep,
    authorization: Annotated[str | None, Header()] = None,
    apikey: Annotated[str | None, Header()] = None,
) -> Caller:
    """The caller of a bearer token, or of the `apikey` header when there is no bearer."""
    bearer = authorization or (f"Bearer {apikey}" if apikey else None)
    claims = verify_token(bearer, config.jwt_secret.get_secret_value())

    def audiences() -> list[str] | None:
        with pool.connection() as conn:
            return caller_audiences(conn, claims)

    return Caller(claims, await run_in_threadpool(audiences))


def get_typesense(request: Request) -> Any:
    return request.app.state.typesense


CallerDep = Annotated[Caller, Depends(get_caller)]
TypesenseDep = Annotated[Any, Depends(get_typesense)]
