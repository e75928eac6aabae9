"""Finding a request's table in the schema cache, with PostgREST's error when it is not there."""

from __future__ import annotations

from native_platform.rest.api_request import ApiRequest
from native_platform.rest.errors import ApiError
from native_platform.rest.types import Table

__all__ = ["find_table"]


def find_table(req: ApiRequest, name: str) -> Table:
    table = req.cache.tables.get((req.schema, name))
    if table is None:
        raise ApiError(
            404,
            "PGRST205",
            f"Could not find the table '{req.schema}.{name}' in the schema cache",
            None,
            None,
        )
    return table
