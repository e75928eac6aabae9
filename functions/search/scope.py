"""Typesense search scopes: the embedded filter, per-collection parent keys and scoped keys."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from typesense.exceptions import ObjectAlreadyExists, TypesenseClientError

from functions.common.errors import ApiError
from functions.common.typesense_client import alias_name

__all__ = ["embedded_filter", "ensure_parent_key", "scoped_key", "unavailable"]


def unavailable(error: TypesenseClientError) -> ApiError:
    """Typesense did not answer: a 503 the client may retry."""
    return ApiError(
        503,
        "search_unavailable",
        f"search is unavailable: {error}",
        None,
        None,
        {"Retry-After": "1"},
    )


def quote(value: str) -> str:
    return f"`{value}`"


def embedded_filter(kind: str, audiences: list[str] | None, locale: str) -> str:
    """Only content the caller may see, in the caller's locale (campaigns have no locale)."""
    clauses = []
    if audiences is not None:
        clauses.append(f"audience:=[{','.join(quote(a) for a in audiences)}]")
    if kind != "campaign":
        clauses.append(f"locale:={quote(locale)}")
    return " && ".join(clauses)


def parent_key_value(admin_key: str, collection: str) -> str:
    """Deterministic, so every process derives the same parent without storing it."""
    digest = hmac.new(admin_key.encode(), f"search:{collection}".encode(), hashlib.sha256)
    return digest.hexdigest()


def ensure_parent_key(client: Any, admin_key: str, prefix: str, kind: str) -> str:
    """A search-only key limited to one alias and its physical collections."""
    alias = alias_name(prefix, kind)
    value = parent_key_value(admin_key, alias)
    try:
        client.keys.create(
            {
                "value": value,
                "description": f"parent of scoped search keys for {alias}",
                "actions": ["documents:search"],
                "collections": [f"{alias}(_[0-9]+)?"],
            }
        )
    except ObjectAlreadyExists:
        pass
    return value


def scoped_key(client: Any, parent: str, filter_by: str, expires_at: int) -> str:
    params: dict[str, Any] = {"expires_at": expires_at}
    if filter_by:
        params["filter_by"] = filter_by
    return bytes(client.keys.generate_scoped_search_key(parent, params)).decode()
