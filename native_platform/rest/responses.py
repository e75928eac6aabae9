"""Build HTTP responses: bodies per media type, SQL-set headers/status, PostgREST errors."""

from __future__ import annotations

from collections.abc import Callable

import orjson
from starlette.responses import Response

from native_platform.rest.errors import ApiError
from native_platform.rest.executor import StatementResult
from native_platform.rest.media import Media

__all__ = [
    "error_response",
    "format_body",
    "make_response",
    "max_affected_check",
    "plan_response",
    "singular_check",
]


def error_response(error: ApiError, head: bool = False) -> Response:
    headers = {**error.headers, "Proxy-Status": f"PostgREST; error={error.code}"}
    body = b"" if head else orjson.dumps(error.body())
    return Response(body, error.status, headers, "application/json; charset=utf-8")


def singular_check(result: StatementResult) -> None:
    if result.page_total != 1:
        raise ApiError(
            406,
            "PGRST116",
            "Cannot coerce the result to a single JSON object",
            f"The result contains {result.page_total} rows",
            None,
        )


def max_affected_check(
    limit: int | None, singular: bool
) -> Callable[[StatementResult], None] | None:
    """PGRST124 when more rows than `Prefer: max-affected` (strict) were touched."""

    def check(result: StatementResult) -> None:
        if singular:
            singular_check(result)
        if limit is not None and result.page_total > limit:
            raise ApiError(
                400,
                "PGRST124",
                "Query result exceeds max-affected preference constraint",
                f"The query affects {result.page_total} rows",
                None,
            )

    return check if singular or limit is not None else None


def plan_response(media: Media, result: StatementResult) -> Response | None:
    """The execution plan, when one was asked for: 200 with the plan alone."""
    if media.plan is None:
        return None
    return Response(
        result.body.encode(), 200, media_type=None, headers={"Content-Type": media.content_type}
    )


def format_body(media: Media, body: str) -> bytes:
    if media.kind == "object" and media.plan is None:
        stripped = body.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            return stripped[1:-1].strip().encode()
        return stripped.encode()
    return body.encode()


def _sql_headers(raw: str) -> list[tuple[str, str]]:
    try:
        items = orjson.loads(raw)
        pairs = [(str(k), str(v)) for item in items for k, v in item.items()]
    except (orjson.JSONDecodeError, TypeError, AttributeError) as error:
        raise ApiError(
            500,
            "PGRST111",
            "response.headers guc must be a JSON array composed of "
            "objects with a single key and a string value",
            None,
            None,
        ) from error
    return pairs


def make_response(
    status: int,
    body: bytes,
    content_type: str | None,
    headers: dict[str, str],
    result: StatementResult | None,
    head: bool = False,
) -> Response:
    extra: list[tuple[str, str]] = []
    if result is not None and result.response_headers:
        extra = _sql_headers(result.response_headers)
    if result is not None and result.response_status:
        try:
            status = int(result.response_status)
        except ValueError as error:
            raise ApiError(
                500, "PGRST112", "response.status guc must be a valid status code", None, None
            ) from error
    response = Response(b"" if head or status == 204 else body, status, headers)
    if content_type is not None and status != 204:
        response.headers["Content-Type"] = content_type
    for key, value in extra:
        if key.lower() == "set-cookie":
            response.headers.append(key, value)
        else:
            response.headers[key] = value
    return response
