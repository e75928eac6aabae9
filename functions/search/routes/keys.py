"""POST /keys: short-lived Typesense keys that can only see what the caller may see."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from typesense.exceptions import TypesenseClientError

from functions.common.deps import ConfigDep, PoolDep
from functions.common.typesense_client import KINDS, alias_name
from functions.search.caller import scope_of
from functions.search.deps import CallerDep, TypesenseDep
from functions.search.scope import embedded_filter, ensure_parent_key, scoped_key, unavailable

__all__ = ["router"]

router = APIRouter()


class CollectionKeyPublic(BaseModel):
    """A key for one collection (search the alias name) and the filter embedded in it."""

    collection: str
    key: str
    filter_by: str


class SearchKeysPublic(BaseModel):
    """Scoped keys per content kind, all expiring at `expires_at` (unix seconds)."""

    locale: str
    expires_at: int
    keys: dict[str, CollectionKeyPublic]


@router.post("/keys", response_model=SearchKeysPublic)
async def issue_keys(
    request: Request,
    caller: CallerDep,
    config: ConfigDep,
    pool: PoolDep,
    typesense: TypesenseDep,
    locale: Annotated[str, Query(max_length=10)] = "en",
) -> SearchKeysPublic:
    """Scoped search keys for the caller's audiences and locale, valid for a few minutes."""
    scope = await scope_of(pool, caller, locale)

    def build() -> SearchKeysPublic:
        expires_at = int(time.time()) + config.search_key_ttl_seconds
        parents: dict[str, str] = request.app.state.parent_keys
        keys: dict[str, CollectionKeyPublic] = {}
        for kind in KINDS:
            if kind not in parents:
                admin = config.typesense_api_key.get_secret_value()
                parents[kind] = ensure_parent_key(typesense, admin, config.collection_prefix, kind)
            parent = parents[kind]
            filter_by = embedded_filter(kind, scope.audiences, scope.locale)
            keys[kind] = CollectionKeyPublic(
                collection=alias_name(config.collection_prefix, kind),
                key=scoped_key(typesense, parent, filter_by, expires_at),
                filter_by=filter_by,
            )
        return SearchKeysPublic(locale=scope.locale, expires_at=expires_at, keys=keys)

    try:
        return await run_in_threadpool(build)
    except TypesenseClientError as error:
        raise unavailable(error) from None
