"""Server-side search for clients that cannot talk to Typesense: GET with query parameters, or
POST with the same fields as JSON (what `supabase.functions.invoke('search', {body})` sends)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from psycopg_pool import AsyncConnectionPool
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from typesense.exceptions import ObjectNotFound, TypesenseClientError

from functions.common.config import ContentSettings
from functions.common.deps import ConfigDep, PoolDep
from functions.common.typesense_client import alias_name, collection_of
from functions.indexer.schemas import QUERY_BY
from functions.search.caller import scope_of
from functions.search.deps import CallerDep, TypesenseDep
from functions.search.scope import embedded_filter, unavailable
from native_platform.caller import CallerContext
from native_platform.observability.metrics import observe_search

__all__ = ["router"]

router = APIRouter()


class SearchQuery(BaseModel):
    """What to search: one kind of content, in one learner locale, optionally one language."""

    model_config = ConfigDict(extra="forbid")

    q: str = Field(min_length=1, max_length=200)
    kind: Literal["lexeme", "deck", "lesson", "campaign"] = "lexeme"
    locale: str = Field(default="en", max_length=10)
    learning_language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")
    page: int = Field(default=1, ge=1, le=100)
    per_page: int = Field(default=10, ge=1, le=50)


class SearchResultsPublic(BaseModel):
    """Matching documents, best first, and how many matched in all."""

    found: int
    page: int
    hits: list[dict[str, Any]]


def search_parameters(query: SearchQuery, filter_by: str) -> dict[str, Any]:
    params: dict[str, Any] = {
        "q": query.q,
        "query_by": QUERY_BY[query.kind],
        "page": query.page,
        "per_page": query.per_page,
        "num_typos": 2,
    }
    if filter_by:
        params["filter_by"] = filter_by
    return params


async def run_search(
    query: SearchQuery,
    caller: CallerContext,
    config: ContentSettings,
    pool: AsyncConnectionPool,
    typesense: Any,
) -> SearchResultsPublic:
    """Search with the same scope a scoped key would embed, plus the caller's own filters."""
    scope = await scope_of(pool, caller, query.locale)

    @observe_search()
    def run() -> SearchResultsPublic:
        clauses = [embedded_filter(query.kind, scope.audiences, scope.locale)]
        if query.learning_language:
            clauses.append(f"learning_language:=`{query.learning_language}`")
        filter_by = " && ".join(clause for clause in clauses if clause)
        found = collection_of(typesense, alias_name(config.collection_prefix, query.kind))
        result = found.documents.search(search_parameters(query, filter_by))
        hits = [hit["document"] for hit in result["hits"]]
        return SearchResultsPublic(found=result["found"], page=query.page, hits=hits)

    try:
        return await run_in_threadpool(run)
    except ObjectNotFound:
        return SearchResultsPublic(found=0, page=query.page, hits=[])
    except TypesenseClientError as error:
        raise unavailable(error) from None


@router.get("/", response_model=SearchResultsPublic)
@router.get("/search", response_model=SearchResultsPublic)
async def search(
    query: Annotated[SearchQuery, Query()],
    caller: CallerDep,
    config: ConfigDep,
    pool: PoolDep,
    typesense: TypesenseDep,
) -> SearchResultsPublic:
    """Search one kind of content the caller may see (query parameters)."""
    return await run_search(query, caller, config, pool, typesense)


@router.post("/", response_model=SearchResultsPublic)
@router.post("/search", response_model=SearchResultsPublic)
async def search_body(
    query: SearchQuery,
    caller: CallerDep,
    config: ConfigDep,
    pool: PoolDep,
    typesense: TypesenseDep,
) -> SearchResultsPublic:
    """Search one kind of content the caller may see (JSON body)."""
    return await run_search(query, caller, config, pool, typesense)
