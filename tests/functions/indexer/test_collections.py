"""Collections behind aliases: created on first use, rebuilt and swapped without losing changes."""

from __future__ import annotations

from typing import Any

import psycopg

from functions.cms.bulk_import import ImportReport
from functions.common.config import FunctionsConfig
from functions.common.db import connect_service
from functions.indexer.collections import ensure_collection, reindex
from functions.indexer.consistency import drift
from functions.indexer.outbox import drain_once


def test_ensure_collection_is_stable(typesense: Any, collection_prefix: str) -> None:
    """The first call creates the collection and alias; later calls return the same one."""
    first = ensure_collection(typesense, collection_prefix, "deck")
    assert ensure_collection(typesense, collection_prefix, "deck") == first
    assert first.startswith(f"{collection_prefix}decks_")


def test_reindex_swaps_alias_and_keeps_changes(
    typesense: Any,
    functions_config: FunctionsConfig,
    collection_prefix: str,
    sample: ImportReport,
    db: psycopg.Connection,
) -> None:
    """A rebuild replaces the collection; changes made meanwhile are applied after the swap."""
    assert sample.errors == []
    with connect_service(functions_config) as conn:
        old = ensure_collection(typesense, collection_prefix, "lexeme")
        count = reindex(conn, typesense, collection_prefix, "lexeme")
        assert count == 54 * 4  # published lexemes x learner locales
        db.execute("update public.lexeme_glosses set gloss = 'to wander' where gloss = 'to go'")
        reindex(conn, typesense, collection_prefix, "lexeme")
        while drain_once(conn, typesense, collection_prefix).entries:
            pass
        current = ensure_collection(typesense, collection_prefix, "lexeme")
        assert current != old
        assert old not in {c["name"] for c in typesense.collections.retrieve()}
        assert drift(conn, typesense, collection_prefix, "lexeme").clean
