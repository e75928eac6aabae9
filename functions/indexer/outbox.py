"""One drain pass: ship the latest state of outboxed entities to Typesense, then forget them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg

from functions.common.typesense_client import KINDS, collection_of
from functions.indexer.collections import INDEXER_LOCK, ensure_collection, import_documents
from native_platform.observability.tracing import span_from_traceparents

__all__ = ["DrainResult", "drain_once", "pending_count"]

CLAIM_ENTRIES = """
select id, kind, entity_id, traceparent
from app_private.search_outbox
order by id
limit %s
for update skip locked
"""


@dataclass(frozen=True)
class DrainResult:
    """What one pass did: outbox entries settled, documents upserted, entities removed."""

    entries: int
    upserted: int
    removed: int


def group_entities(rows: list[tuple[Any, ...]]) -> dict[str, list[UUID]]:
    """Distinct entities per kind: many changes to one entity cost one document read."""
    grouped: dict[str, set[UUID]] = defaultdict(set)
    for _, kind, entity_id, *_rest in rows:
        grouped[kind].add(entity_id)
    return {kind: sorted(ids) for kind, ids in grouped.items()}


def sync_kind(
    conn: psycopg.Connection, client: Any, prefix: str, kind: str, ids: list[UUID]
) -> tuple[int, int]:
    """Upsert present entities, delete absent ones; return (documents upserted, ids removed)."""
    rows = conn.execute(
        "select entity_id, document from app_private.search_documents(%s, %s)", (kind, ids)
    ).fetchall()
    collection = ensure_collection(client, prefix, kind)
    import_documents(client, collection, [row[1] for row in rows])
    absent = sorted({str(i) for i in ids} - {str(row[0]) for row in rows})
    if absent:
        collection_of(client, collection).documents.delete(
            {"filter_by": f"entity_id:=[{','.join(absent)}]"}
        )
    return len(rows), len(absent)


def drain_once(
    conn: psycopg.Connection, client: Any, prefix: str = "", batch_size: int = 500
) -> DrainResult:
    """Settle up to `batch_size` outbox entries; they stay pending if anything fails.

    The claimed rows are deleted in the same transaction that locked them, and that transaction
    commits only after Typesense confirmed every write: a crash or outage rolls it back.
    """
    with conn.transaction():
        locked = conn.execute("select pg_try_advisory_xact_lock(%s)", (INDEXER_LOCK,)).fetchone()
        if not locked or not locked[0]:
            return DrainResult(0, 0, 0)
        rows = conn.execute(CLAIM_ENTRIES, (batch_size,)).fetchall()
        if not rows:
            return DrainResult(0, 0, 0)
        # The pass joins the trace of the writes that enqueued its entries (one: as a child).
        with span_from_traceparents("indexer drain", [row[3] for row in rows]) as span:
            upserted = removed = 0
            for kind, ids in group_entities(rows).items():
                if kind in KINDS:
                    done, gone = sync_kind(conn, client, prefix, kind, ids)
                    upserted, removed = upserted + done, removed + gone
            conn.execute(
                "delete from app_private.search_outbox where id = any(%s)",
                ([row[0] for row in rows],),
            )
            span.set_attributes(
                {"rfl.indexer.entries": len(rows), "rfl.indexer.upserted": upserted}
            )
        return DrainResult(len(rows), upserted, removed)


def pending_count(conn: psycopg.Connection) -> int:
    row = conn.execute("select count(*) from app_private.search_outbox").fetchone()
    return int(row[0]) if row else 0
