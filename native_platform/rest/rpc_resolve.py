"""Which function `/rpc/fn` calls: PostgREST's overload resolution and its PGRST202/203 errors.

Named arguments (query string or a JSON object) pick the overloads whose required parameters
they cover and whose parameter names hold them all; a POST falls back to a function with a
single unnamed parameter of the body's media type: json/jsonb for JSON, text for
`text/plain`, bytea for `application/octet-stream`, xml for `text/xml`. Overloads told apart
only by argument types are ambiguous (300 PGRST203), as in PostgREST.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

import orjson

from native_platform.rest.api_request import ApiRequest
from native_platform.rest.errors import ApiError
from native_platform.rest.media import body_format
from native_platform.rest.schema_cache import Function

__all__ = ["Resolved", "resolve"]

# The unnamed parameter's types a POST body of each format may fill.
_UNNAMED = {
    "json": ("json", "jsonb"),
    "text": ("text",),
    "binary": ("bytea",),
    "xml": ("xml",),
}
_UNNAMED_WORDS = {"text": "text", "binary": "bytea", "xml": "xml"}
_RESERVED = {"select", "order", "limit", "offset", "columns", "on_conflict", "and", "or", "not"}


@dataclass(frozen=True)
class Resolved:
    """The function; named `args` or a `raw` body for its single unnamed parameter."""

    function: Function
    args: dict[str, Any] | None
    raw: bytes | None
    rest: list[tuple[str, str]]


def _unnamed(function: Function, types: tuple[str, ...]) -> bool:
    params = function.params
    return len(params) == 1 and not params[0].name and params[0].type in types


def _named_match(function: Function, keys: set[str]) -> bool:
    if any(not p.name for p in function.params):
        return False
    return function.required <= keys <= function.names


def _signature(function: Function) -> str:
    params = ", ".join(f"{p.name} => {p.type}" for p in function.params)
    return f"{function.schema}.{function.name}({params})"


def _ambiguous(found: list[Function]) -> ApiError:
    return ApiError(
        300,
        "PGRST203",
        "Could not choose the best candidate function between: "
        + ", ".join(_signature(f) for f in found),
        None,
        "Try renaming the parameters or the function itself in the database so "
        "function overloading can be resolved",
    )


def _listed(names: list[str]) -> str:
    return "(" + ", ".join(sorted(names)) + ")"


def _hint(req: ApiRequest, name: str, keys: list[str], functions: list[Function]) -> str | None:
    """The closest function name (none of that name) or parameter list (overloads)."""
    prefix = f"Perhaps you meant to call the function {req.schema}."
    if not functions:
        names = sorted({n for (schema, n) in req.cache.functions if schema == req.schema})
        close = difflib.get_close_matches(name, names, 1)
        return prefix + close[0] if close else None
    lists = sorted({_listed([p.name for p in f.params]) for f in functions})
    close = difflib.get_close_matches(_listed(keys), lists, 1)
    return prefix + name + close[0] if close else None


def _not_found(
    req: ApiRequest, name: str, keys: list[str], functions: list[Function], post_format: str | None
) -> ApiError:
    """404 PGRST202; `post_format` is the body's format for a POST, None for GET/HEAD."""
    func = f"{req.schema}.{name}"
    keys = sorted(keys)
    if post_format in _UNNAMED_WORDS:
        return ApiError(
            404,
            "PGRST202",
            f"Could not find the function {func} in the schema cache",
            f"Searched for the function {func} with a single unnamed "
            f"{_UNNAMED_WORDS[post_format]} parameter, but no matches were found in the "
            "schema cache.",
            None,
        )
    listed = ", ".join(keys)
    plural = "s" if len(keys) > 1 else ""
    searched = f" with parameter{plural} {listed}" if keys else " without parameters"
    if post_format == "json":
        searched += " or with a single unnamed json/jsonb parameter"
    return ApiError(
        404,
        "PGRST202",
        f"Could not find the function {func}"
        + (f"({listed})" if keys else " without parameters")
        + " in the schema cache",
        f"Searched for the function {func}{searched}, but no matches were found in the schema "
        "cache.",
        _hint(req, name, keys, functions),
    )


def _pick(found: list[Function], keys: set[str]) -> Function | None:
    if len(found) > 1:
        # One overload naming exactly the arguments given wins over ones filling defaults.
        found = [f for f in found if f.names == keys] or found
    if len(found) > 1:
        raise _ambiguous(found)
    return found[0] if found else None


def _get_args(
    req: ApiRequest, name: str, functions: list[Function]
) -> tuple[Function, dict[str, Any], list[tuple[str, str]]]:
    names = frozenset().union(*(f.names for f in functions))
    grouped: dict[str, list[str]] = {}
    rest = []
    for key, value in req.query_pairs:
        if key in names:
            grouped.setdefault(key, []).append(value)
        else:
            rest.append((key, value))
    keys = set(grouped)
    function = _pick([f for f in functions if _named_match(f, keys)], keys)
    if function is None:
        raise _not_found(req, name, list(keys), functions, None)
    variadic = {p.name for p in function.params if p.variadic}
    return function, {k: (v if k in variadic else v[-1]) for k, v in grouped.items()}, rest


def _unknown_keys(req: ApiRequest) -> list[str]:
    """The argument names a GET to an unknown function gave (not PostgREST's reserved ones)."""
    return sorted({k for k, _ in req.query_pairs if k not in _RESERVED})


def _json_body(req: ApiRequest) -> Any:
    if not req.body.strip():
        return {}
    try:
        return orjson.loads(req.body)
    except orjson.JSONDecodeError as error:
        raise ApiError(400, "PGRST102", "Empty or invalid json", None, None) from error


def resolve(req: ApiRequest, name: str) -> Resolved:
    functions = req.cache.functions.get((req.schema, name), [])
    if req.method in ("GET", "HEAD"):
        if not functions:
            raise _not_found(req, name, _unknown_keys(req), functions, None)
        function, args, rest = _get_args(req, name, functions)
        return Resolved(function, args, None, rest)
    fmt = body_format(req.header("content-type"))
    fmt = "json" if fmt not in _UNNAMED else fmt
    data = _json_body(req) if fmt == "json" else None
    keys = set(data) if isinstance(data, dict) else set()
    named = [f for f in functions if _named_match(f, keys)] if fmt == "json" else []
    if isinstance(data, dict):
        chosen = _pick(named, keys)
        if chosen is not None:
            return Resolved(chosen, data, None, req.query_pairs)
    fallback = [f for f in functions if _unnamed(f, _UNNAMED[fmt])]
    if len(fallback) > 1:
        raise _ambiguous(fallback)
    if fallback:
        return Resolved(fallback[0], None, req.body, req.query_pairs)
    if fmt == "json" and not isinstance(data, dict):
        raise ApiError(400, "PGRST102", "Empty or invalid json", None, None)
    raise _not_found(req, name, list(keys), functions, fmt)
