"""Compare what Typesense holds with what the database says should be searchable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
import psycopg
from typesense.exceptions import ObjectNotFound

from functions.common.typesense_client import alias_name, collection_of

__all__ = ["Drift", "drift", "expected_documents", "indexed_documents"]


@dataclass(frozen=True)
class Drift:
    """Document ids missing from, unexpected in, or different in the index."""

    missing: list[str]
    unexpected: list[str]
    different: list[str]

    @property
    def clean(self) -> bool:
        return not (self.missing or self.unexpected or self.different)


def expected_documents(conn: psycopg.Connection, kind: str) -> dict[str, dict[str, Any]]:
    rows = conn.execute(
        "select document from app_private.search_documents("
        "%s, array(select app_private.search_entity_ids(%s)))",
        (kind, kind),
    ).fetchall()
    return {row[0]["id"]: row[0] for row in rows}


def indexed_documents(client: Any, prefix: str, kind: str) -> dict[str, dict[str, Any]]:
    """Every document of the kind's collection; none when it was never created."""
    try:
        exported = collection_of(client, alias_name(prefix, kind)).documents.export()
    except ObjectNotFound:
        return {}
    documents = [orjson.loads(line) for line in exported.splitlines() if line.strip()]
    return {document["id"]: document for document in documents}


def drift(conn: psycopg.Connection, client: Any, prefix: str, kind: str) -> Drift:
    """Every document compared field by field; `clean` when the index is exactly the database."""
    expected = expected_documents(conn, kind)
    actual = indexed_documents(client, prefix, kind)
    return Drift(
        missing=sorted(expected.keys() - actual.keys()),
        unexpected=sorted(actual.keys() - expected.keys()),
        different=sorted(
            key for key in expected.keys() & actual.keys() if expected[key] != actual[key]
        ),
    )
