"""`Range` headers intersected with limit/offset, and the `Content-Range` of a response."""

from __future__ import annotations

import re

from native_platform.rest.errors import ApiError

__all__ = ["content_range", "page_bounds", "range_status"]

_RANGE = re.compile(r"^\s*(?:items=)?(\d{1,15})-(\d{0,15})\s*$")


def _invalid() -> ApiError:
    return ApiError(416, "PGRST103", "Requested range not satisfiable", None, None)


def page_bounds(
    range_header: str | None, limit: int | None, offset: int | None, max_rows: int | None
) -> tuple[int, int | None]:
    """(offset, limit) for the root read."""
    lower, upper = offset or 0, None if limit is None else (offset or 0) + limit - 1
    if range_header is not None:
        match = _RANGE.match(range_header)
        if match is None:
            raise _invalid()
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) else None
        if last is not None and last < first:
            raise _invalid()
        lower = max(lower, first) if offset else first + (offset or 0)
        if last is not None:
            upper = last if upper is None else min(upper, last)
    count = None if upper is None else max(upper - lower + 1, 0)
    if max_rows is not None:
        count = max_rows if count is None else min(count, max_rows)
    return lower, count


def content_range(offset: int, page_total: int, total: int | None) -> str:
    shown = "*" if total is None else str(total)
    if page_total == 0:
        return f"*/{shown}"
    return f"{offset}-{offset + page_total - 1}/{shown}"


def range_status(offset: int, page_total: int, total: int | None) -> int:
    if total is None:
        return 200
    if offset > total:
        raise ApiError(
            416,
            "PGRST103",
            "Requested range not satisfiable",
            f"An offset of {offset} was requested, but there are only {total} rows.",
            None,
        )
    if page_total < total:
        return 206
    return 200
