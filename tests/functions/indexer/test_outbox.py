"""Drain passes ship the database's latest searchable state to Typesense."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from functions.cms.bulk_import import ImportReport
from functions.cms.ingest import apply_event
from functions.cms.models import StrapiEvent
from functions.common.config import FunctionsConfig
from functions.common.db import connect_service
from functions.common.typesense_client import collection_of, typesense_session
from functions.indexer.consistency import drift
from functions.indexer.outbox import drain_once, pending_count


def drain_all(config: FunctionsConfig, client: Any) -> int:
    total = 0
    with connect_service(config) as conn:
        while result := drain_once(conn, client, config.collection_prefix, 100):
            if not result.entries:
                break
            total += result.entries
    return total


def lemmas(client: Any, prefix: str, q: str, language: str, locale: str = "en") -> list[str]:
    result = collection_of(client, f"{prefix}lexemes").documents.search(
        {
            "q": q,
            "query_by": "lemma,forms,gloss",
            "filter_by": f"learning_language:={language} && locale:={locale}",
        }
    )
    return [hit["document"]["lemma"] for hit in result["hits"]]


@pytest.fixture
def indexed(functions_config: FunctionsConfig, typesense: Any, sample: ImportReport) -> Any:
    assert sample.errors == []
    drain_all(functions_config, typesense)
    return typesense


@pytest.fixture(scope="module")
def shared(indexed_config: FunctionsConfig) -> Iterator[tuple[Any, str]]:
    """The module's indexed sample: a client and the collection prefix."""
    with typesense_session(indexed_config) as client:
        yield client, indexed_config.collection_prefix


@pytest.mark.parametrize(
    ("q", "language", "lemma"),
    [
        ("hablr", "es", "hablar"),
        ("dragn", "es", "dragón"),
        ("fui", "es", "ir"),
        ("tuvo", "es", "tener"),
        ("sprechn", "de", "sprechen"),
        ("ging", "de", "gehen"),
        ("wirft", "de", "werfen"),
    ],
)
def test_drain_once_makes_lexemes_findable(
    shared: tuple[Any, str], q: str, language: str, lemma: str
) -> None:
    """Misspelled terms and inflected forms find their lexeme in both learning languages."""
    assert lemma in lemmas(*shared, q, language)


def test_drain_once_glosses_fall_back(shared: tuple[Any, str]) -> None:
    """A pt-BR search sees pt-BR glosses, else pt ones (fallback chain)."""
    indexed, collection_prefix = shared
    result = collection_of(indexed, f"{collection_prefix}lexemes").documents.search(
        {
            "q": "cachorro",
            "query_by": "gloss",
            "filter_by": "locale:=pt-BR",
        }
    )
    assert {hit["document"]["lemma"] for hit in result["hits"]} == {"perro", "Hund"}
    castle = collection_of(indexed, f"{collection_prefix}lexemes").documents.search(
        {
            "q": "castelo",
            "query_by": "gloss",
            "filter_by": "locale:=pt-BR",
        }
    )
    assert {hit["document"]["lemma"] for hit in castle["hits"]} == {"castillo", "Burg"}


def test_drain_once_leaves_drafts_out(shared: tuple[Any, str]) -> None:
    """The unpublished sample lexeme is not searchable."""
    assert lemmas(*shared, "mazmorra", "es") == []


def test_drain_once_unpublish_removes_from_search(
    indexed: Any,
    functions_config: FunctionsConfig,
    collection_prefix: str,
    db: psycopg.Connection,
    db_dsn: str,
) -> None:
    """Unpublishing in the CMS removes the lexeme from search after the next pass."""
    event = StrapiEvent.model_validate(
        {
            "event": "entry.unpublish",
            "createdAt": "2026-11-25T10:00:00Z",
            "model": "lexeme",
            "entry": {
                "id": 1,
                "documentId": "lx-es-hablar",
                "locale": "en",
                "updatedAt": "2026-11-25T10:00:00Z",
            },
        }
    )
    db.execute("set role service_role")

    async def unpublish() -> str:
        async with await psycopg.AsyncConnection.connect(db_dsn, autocommit=True) as conn:
            await conn.execute("set role service_role")
            return await apply_event(conn, event, None)

    assert asyncio.run(unpublish()) == "applied"
    assert "hablar" in lemmas(indexed, collection_prefix, "hablar", "es")
    drain_all(functions_config, indexed)
    assert "hablar" not in lemmas(indexed, collection_prefix, "hablar", "es")
    assert pending_count(db) == 0


def test_drain_once_index_equals_database(
    shared: tuple[Any, str], indexed_config: FunctionsConfig
) -> None:
    """After draining, every kind's collection holds exactly the database's documents."""
    with connect_service(indexed_config) as conn:
        for kind in ("lexeme", "deck", "lesson"):
            assert drift(conn, *shared, kind).clean, kind
