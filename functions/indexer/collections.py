"""Physical collections behind aliases: create on first use, rebuild and swap without downtime."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import psycopg
from typesense.exceptions import ObjectNotFound

from functions.common.typesense_client import alias_name, collection_of
from functions.indexer.schemas import collection_schema

__all__ = ["INDEXER_LOCK", "IndexingError", "ensure_collection", "import_documents", "reindex"]

# Drain passes try this lock per transaction; a reindex holds it, so no change slips between
# its snapshot and the alias swap (the outbox keeps them until the new collection is live).
INDEXER_LOCK = 728_731_905


class IndexingError(Exception):
    """Typesense refused a document or an operation; the outbox entries stay pending."""


def new_collection(client: Any, prefix: str, kind: str) -> str:
    name = f"{alias_name(prefix, kind)}_{time.time_ns()}"
    client.collections.create(collection_schema(kind, name))
    return name


def ensure_collection(client: Any, prefix: str, kind: str) -> str:
    """Return the collection the alias points at, creating both on first use."""
    alias = alias_name(prefix, kind)
    try:
        return str(client.aliases[alias].retrieve()["collection_name"])
    except ObjectNotFound:
        name = new_collection(client, prefix, kind)
        client.aliases.upsert(alias, {"collection_name": name})
        return name


def import_documents(client: Any, collection: str, documents: list[dict[str, Any]]) -> None:
    """Upsert documents; raise unless Typesense confirmed every one."""
    if not documents:
        return
    results = collection_of(client, collection).documents.import_(documents, {"action": "upsert"})
    failures = [result for result in results if not result.get("success")]
    if failures:
        raise IndexingError(f"{len(failures)} documents rejected, first: {failures[0]}")


def documents_of_kind(conn: psycopg.Connection, kind: str, chunk: int) -> Iterator[list[Any]]:
    rows = conn.execute("select app_private.search_entity_ids(%s)", (kind,)).fetchall()
    ids = [row[0] for row in rows]
    for start in range(0, len(ids), chunk):
        cursor = conn.execute(
            "select document from app_private.search_documents(%s, %s)",
            (kind, ids[start : start + chunk]),
        )
        yield [row[0] for row in cursor.fetchall()]


def fill_collection(conn: psycopg.Connection, client: Any, name: str, kind: str, chunk: int) -> int:
    """Import every document; the next chunk is read from SQL while Typesense takes this one."""
    count = 0
    pending: Future[None] | None = None
    with ThreadPoolExecutor(max_workers=1) as importer:
        for documents in documents_of_kind(conn, kind, chunk):
            if pending is not None:
                pending.result()
            pending = importer.submit(import_documents, client, name, documents)
            count += len(documents)
        if pending is not None:
            pending.result()
    return count


def reindex(
    conn: psycopg.Connection, client: Any, prefix: str, kind: str, chunk: int = 1000
) -> int:
    """Rebuild `kind` into a new collection, swap the alias, drop the old one; return the count."""
    alias = alias_name(prefix, kind)
    conn.execute("select pg_advisory_lock(%s)", (INDEXER_LOCK,))
    try:
        old = ensure_collection(client, prefix, kind)
        name = new_collection(client, prefix, kind)
        try:
            count = fill_collection(conn, client, name, kind, chunk)
        except Exception:
            collection_of(client, name).delete()
            raise
        client.aliases.upsert(alias, {"collection_name": name})
        collection_of(client, old).delete()
        return count
    finally:
        conn.execute("select pg_advisory_unlock(%s)", (INDEXER_LOCK,))
