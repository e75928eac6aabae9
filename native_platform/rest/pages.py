"""The page of a read (Range, limit, offset, max rows) and the headers that describe it;
shared by table reads and set-returning RPC."""

from __future__ import annotations

from native_platform.rest.api_request import ApiRequest
from native_platform.rest.executor import StatementResult
from native_platform.rest.query_params import QueryParams
from native_platform.rest.ranges import content_range, page_bounds

__all__ = ["first_row", "paged", "read_headers"]


def _bounds(req: ApiRequest, params: QueryParams, honour_range: bool) -> tuple[int, int | None]:
    range_header = req.header("range") if honour_range else None
    return page_bounds(
        range_header, params.limit.get(()), params.offset.get(()), req.db.settings.db_max_rows
    )


def first_row(req: ApiRequest, params: QueryParams, honour_range: bool) -> int:
    """The page's first row index, leaving `params` as they are."""
    return _bounds(req, params, honour_range)[0]


def paged(req: ApiRequest, params: QueryParams, honour_range: bool) -> int:
    """Apply Range/limit/offset/max-rows to the root; return the page's first row index."""
    offset, limit = _bounds(req, params, honour_range)
    params.offset[()] = offset
    if limit is None:
        params.limit.pop((), None)
    else:
        params.limit[()] = limit
    return offset


def read_headers(
    req: ApiRequest, offset: int, result: StatementResult, canonical: str
) -> dict[str, str]:
    headers = {
        "Content-Range": content_range(offset, result.page_total, result.total),
        "Content-Location": req.path + (f"?{canonical}" if canonical else ""),
    }
    applied = req.prefs.applied(("count",))
    if applied:
        headers["Preference-Applied"] = applied
    if len(req.db.settings.schemas) > 1:
        headers["Content-Profile"] = req.schema
    return headers
