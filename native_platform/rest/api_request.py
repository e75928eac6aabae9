"""One API request as the handlers see it, and what every handler needs from the app."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.requests import Request

from native_platform.rest.auth import Identity
from native_platform.rest.database import Database
from native_platform.rest.errors import ApiError
from native_platform.rest.executor import RequestContext
from native_platform.rest.media import Media
from native_platform.rest.prefer import Preferences
from native_platform.rest.schema_cache import SchemaCache

__all__ = ["ApiRequest", "choose_schema", "first_header_values"]


def first_header_values(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """Each header's first value by lower-case name, as Starlette's `headers.get` answers.

    Built once per request: `headers.get` scans every header at each call, and a read asks for
    six or more (~4% of a worker's CPU per read, docs/performance.md, fourteenth session).
    Iterating backwards leaves the first of repeated headers in the dict.
    """
    return {
        name.decode("latin-1").lower(): value.decode("latin-1") for name, value in reversed(raw)
    }


@dataclass
class ApiRequest:
    db: Database
    cache: SchemaCache
    http: Request
    method: str
    path: str
    schema: str
    identity: Identity
    prefs: Preferences
    media: Media
    body: bytes
    # The request's headers, first value of each (`first_header_values`).
    headers: Mapping[str, str]

    @property
    def query_pairs(self) -> list[tuple[str, str]]:
        # As Starlette's `query_params` parse it, without building its multi-dict first.
        return parse_qsl(self.http.scope["query_string"].decode("latin-1"), keep_blank_values=True)

    @property
    def rollback(self) -> bool:
        """Whether the transaction ends in a rollback (db-tx-end and `Prefer: tx`)."""
        tx = self.prefs.get("tx")
        return self.db.settings.tx_rollback if tx is None else tx == "rollback"

    def header(self, name: str) -> str | None:
        """The header's first value; `name` in any case, as Starlette's `headers.get`."""
        return self.headers.get(name.lower())

    def context(self) -> RequestContext:
        # From the scope's raw pairs, as Starlette's `headers.items()` decodes them.
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in self.http.scope["headers"]
            if name.lower() != b"cookie"
        }
        return RequestContext(
            self.identity,
            (self.schema, *self.db.settings.extra_search_path),
            self.method,
            self.path,
            headers,
            dict(self.http.cookies),
            self.prefs.timezone,
            self.cache.role_settings.get(self.identity.role, ()),
            self.media.plan.explain if self.media.plan is not None else None,
        )


def choose_schema(
    method: str, accept_profile: str | None, content_profile: str | None, schemas: tuple[str, ...]
) -> str:
    """GET/HEAD read Accept-Profile, other verbs Content-Profile; default = first schema."""
    wanted = accept_profile if method in ("GET", "HEAD") else content_profile
    if wanted is None:
        return schemas[0]
    if wanted not in schemas:
        raise ApiError(
            406,
            "PGRST106",
            f"Invalid schema: {wanted}",
            None,
            "Only the following schemas are exposed: " + ", ".join(schemas),
        )
    return wanted
