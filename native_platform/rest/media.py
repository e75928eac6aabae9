"""Accept negotiation and request Content-Type handling."""

from __future__ import annotations

from dataclasses import dataclass

from native_platform.rest.errors import ApiError

__all__ = ["PLAN_OPTIONS", "Media", "Plan", "body_format", "negotiate"]

_JSON_TYPES = {"*/*", "application/*", "application/json"}
# Raw output of a scalar function (text, bytea, xml), by Accept; kind -> Content-Type.
_RAW = {
    "text": "text/plain; charset=utf-8",
    "binary": "application/octet-stream",
    "xml": "text/xml; charset=utf-8",
}
_RAW_ACCEPT = {"text/plain": "text", "application/octet-stream": "binary", "text/xml": "xml"}


# EXPLAIN options a plan may ask for, in PostgREST's order.
PLAN_OPTIONS = ("analyze", "verbose", "settings", "buffers", "wal")


@dataclass(frozen=True)
class Plan:
    """`application/vnd.pgrst.plan[+text|+json]; for="..."; options=a|b`."""

    format: str  # text | json
    for_type: str
    options: tuple[str, ...]

    @property
    def explain(self) -> bytes:
        """The EXPLAIN prefix of the request's main statement."""
        items = [f"format {self.format}", *self.options]
        return f"explain ({', '.join(items)}) ".encode()

    @property
    def content_type(self) -> str:
        options = f"; options={'|'.join(self.options)}" if self.options else ""
        return (
            f'application/vnd.pgrst.plan+{self.format}; for="{self.for_type}"{options}'
            "; charset=utf-8"
        )


@dataclass(frozen=True)
class Media:
    # json | object | csv | geojson | openapi | text | binary | xml (the last three: RPC only)
    kind: str
    strip_nulls: bool = False
    # An execution plan of the statement that would answer `kind` (db-plan-enabled).
    plan: Plan | None = None

    @property
    def content_type(self) -> str:
        if self.plan is not None:
            return self.plan.content_type
        if self.kind == "csv":
            return "text/csv; charset=utf-8"
        if self.kind == "geojson":
            return "application/geo+json; charset=utf-8"
        if self.kind == "openapi":
            return "application/openapi+json; charset=utf-8"
        if self.kind in _RAW:
            return _RAW[self.kind]
        if self.kind == "object":
            base = "application/vnd.pgrst.object+json"
        elif self.strip_nulls:
            base = "application/vnd.pgrst.array+json"
        else:
            return "application/json; charset=utf-8"
        return base + (";nulls=stripped" if self.strip_nulls else "") + "; charset=utf-8"


def _entries(accept: str) -> list[tuple[float, int, str, dict[str, str]]]:
    entries = []
    for index, raw in enumerate(accept.split(",")):
        name, *raw_params = (part.strip() for part in raw.split(";"))
        params = {}
        for item in raw_params:
            key, _, value = item.partition("=")
            params[key.strip().lower()] = value.strip().strip('"')
        try:
            quality = float(params.pop("q", "1"))
        except ValueError:
            quality = 1.0
        entries.append((-quality, index, name.lower(), params))
    return sorted(entries)


def _match(name: str, params: dict[str, str], openapi: bool, rpc: bool) -> Media | None:
    stripped = params.get("nulls") == "stripped"
    if rpc and name in _RAW_ACCEPT:
        return Media(_RAW_ACCEPT[name])
    if name in _JSON_TYPES:
        return Media("openapi" if openapi else "json")
    if name == "application/vnd.pgrst.array+json":
        return Media("json", stripped)
    if name in ("application/vnd.pgrst.object+json", "application/vnd.pgrst.object"):
        return Media("object", stripped)
    if name == "text/csv" and not openapi:
        return Media("csv")
    if name == "application/geo+json" and not openapi:
        return Media("geojson")
    if name == "application/openapi+json" and openapi:
        return Media("openapi")
    return None


def _plan(name: str, params: dict[str, str], rpc: bool) -> Media | None:
    """A plan of the statement for the `for` media type (JSON by default)."""
    formats = {
        "application/vnd.pgrst.plan": "text",
        "application/vnd.pgrst.plan+text": "text",
        "application/vnd.pgrst.plan+json": "json",
    }
    for_type = params.get("for", "application/json").lower()
    target = _match(for_type, {}, False, rpc)
    if target is None or target.kind == "openapi":
        return None
    asked = {o.strip().lower() for o in params.get("options", "").split("|") if o.strip()}
    if not asked <= set(PLAN_OPTIONS):
        return None
    options = tuple(o for o in PLAN_OPTIONS if o in asked)
    return Media(target.kind, target.strip_nulls, Plan(formats[name], for_type, options))


def negotiate(
    accept: str | None, openapi: bool = False, rpc: bool = False, plans: bool = False
) -> Media:
    """The response media type; 406 PGRST107 when nothing offered is available.

    `rpc`: raw output (text/plain, application/octet-stream, text/xml) may be asked for;
    `plans` (db-plan-enabled): execution plans."""
    if not accept or not accept.strip():
        return Media("openapi" if openapi else "json")
    for quality, _, name, params in _entries(accept):
        if quality < 0:
            if name.startswith("application/vnd.pgrst.plan") and plans and not openapi:
                found = _plan(name, params, rpc)
            else:
                found = _match(name, params, openapi, rpc)
            if found is not None:
                return found
    raise ApiError(
        406, "PGRST107", f"None of these media types are available: {accept}", None, None
    )


def body_format(content_type: str | None) -> str:
    """json | csv | form | text | binary | xml, from the request's Content-Type."""
    if not content_type:
        return "json"
    name = content_type.split(";")[0].strip().lower()
    formats = {
        "application/json": "json",
        "text/csv": "csv",
        "*/*": "json",
        "application/x-www-form-urlencoded": "form",
        "text/plain": "text",
        "application/octet-stream": "binary",
        "text/xml": "xml",
        "application/vnd.pgrst.object+json": "json",
        "application/vnd.pgrst.array+json": "json",
    }
    if name not in formats:
        raise ApiError(400, "PGRST102", f"Content-Type not acceptable: {content_type}", None, None)
    return formats[name]
