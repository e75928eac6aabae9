"""Drift detection compares every indexed document with the database's."""

from __future__ import annotations

from typing import Any

from functions.cms.bulk_import import ImportReport
from functions.common.config import FunctionsConfig
from functions.common.db import connect_service
from functions.common.typesense_client import collection_of
from functions.indexer.consistency import drift
from functions.indexer.outbox import drain_once


def test_drift_reports_missing_unexpected_and_different(
    functions_config: FunctionsConfig, typesense: Any, sample: ImportReport
) -> None:
    """A deleted, an extra and an edited document are each reported."""
    assert sample.errors == []
    prefix = functions_config.collection_prefix
    with connect_service(functions_config) as conn:
        while drain_once(conn, typesense, prefix).entries:
            pass
        documents = collection_of(typesense, f"{prefix}lexemes").documents
        exported = drift(conn, typesense, prefix, "lexeme")
        assert exported.clean
        first, second = sorted(
            hit["document"]["id"]
            for hit in documents.search({"q": "perro", "query_by": "lemma"})["hits"][:2]
        )
        documents[first].delete()
        documents.upsert({**documents[second].retrieve(), "gloss": "tampered"})
        documents.upsert({**documents[second].retrieve(), "id": "extra:en"})
        found = drift(conn, typesense, prefix, "lexeme")
    assert (found.missing, found.different, found.unexpected) == ([first], [second], ["extra:en"])


def test_drift_of_missing_collection_lists_everything_missing(
    functions_config: FunctionsConfig, typesense: Any, sample: ImportReport
) -> None:
    """Before the first drain every searchable document is missing."""
    assert sample.errors == []
    with connect_service(functions_config) as conn:
        found = drift(conn, typesense, functions_config.collection_prefix, "deck")
    assert len(found.missing) == 5 * 4  # published decks x learner locales
    assert not found.clean
