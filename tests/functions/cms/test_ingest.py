"""Idempotent, order-aware application of Strapi events."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import psycopg
import pytest

from functions.cms.errors import IngestError
from functions.cms.ingest import apply_event, parse_fields
from functions.cms.models import StrapiEvent


def lexeme_event(
    event: str = "entry.publish",
    updated: str = "2026-11-21T10:00:00Z",
    locale: str = "en",
    **fields: Any,
) -> StrapiEvent:
    entry = {
        "id": 7,
        "documentId": "lx-es-saltar",
        "locale": locale,
        "updatedAt": updated,
        "publishedAt": updated if event != "entry.update" else None,
        "lemma": "saltar",
        "learningLanguage": "es",
        "partOfSpeech": "verb",
        "cefr": "A2",
        "forms": [{"form": "salto", "tags": ["pres", "1sg"]}, {"form": "saltó"}],
        "gloss": "to jump",
        **fields,
    }
    return StrapiEvent.model_validate(
        {"event": event, "createdAt": updated, "model": "lexeme", "entry": entry}
    )


Apply = Callable[[StrapiEvent], str]


@pytest.fixture
def apply(db_dsn: str) -> Apply:
    """Apply one event as the writers run everywhere: on a service-role async session."""

    async def run(event: StrapiEvent) -> str:
        async with await psycopg.AsyncConnection.connect(db_dsn, autocommit=True) as conn:
            await conn.execute("set role service_role")
            return await apply_event(conn, event, parse_fields(event))

    return lambda event: asyncio.run(run(event))


def service(db: psycopg.Connection) -> psycopg.Connection:
    db.execute("set role service_role")
    return db


def gloss(db: psycopg.Connection, locale: str = "en") -> Any:
    row = db.execute(
        "select g.gloss from public.lexeme_glosses as g join public.lexemes as l"
        " on l.id = g.lexeme_id where l.cms_document_id = 'lx-es-saltar' and g.locale = %s",
        (locale,),
    ).fetchone()
    return row[0] if row else None


def test_apply_event_replayed_is_duplicate(db: psycopg.Connection, apply: Apply) -> None:
    """A replayed delivery changes nothing and writes no outbox entry."""
    conn = service(db)
    assert apply(lexeme_event()) == "applied"
    outbox = conn.execute("select count(*) from app_private.search_outbox").fetchone()
    assert apply(lexeme_event()) == "duplicate"
    assert conn.execute("select count(*) from app_private.search_outbox").fetchone() == outbox


def test_apply_event_older_update_is_stale(db: psycopg.Connection, apply: Apply) -> None:
    """A delivery older than the stored state is ignored."""
    conn = service(db)
    apply(lexeme_event(updated="2026-11-21T12:00:00Z", gloss="to leap"))
    assert apply(lexeme_event(updated="2026-11-21T11:00:00Z", gloss="to hop")) == "stale"
    assert gloss(conn) == "to leap"


def test_apply_event_locales_are_separate_glosses(db: psycopg.Connection, apply: Apply) -> None:
    """Each localization upserts its own gloss under one lexeme."""
    conn = service(db)
    apply(lexeme_event())
    apply(lexeme_event(locale="pt-BR", gloss="pular"))
    assert (gloss(conn), gloss(conn, "pt-BR")) == ("to jump", "pular")
    assert conn.execute("select count(*) from public.lexemes").fetchone() == (1,)


def test_apply_event_draft_does_not_replace_published(db: psycopg.Connection, apply: Apply) -> None:
    """Editing a draft beside the live version leaves the live content alone."""
    conn = service(db)
    apply(lexeme_event())
    draft = lexeme_event("entry.update", updated="2026-11-22T10:00:00Z", gloss="draft gloss")
    assert apply(draft) == "draft_ignored"
    assert gloss(conn) == "to jump"


def test_apply_event_unpublish_then_delete(db: psycopg.Connection, apply: Apply) -> None:
    """Unpublishing hides the lexeme; deleting its last locale removes it."""
    conn = service(db)
    apply(lexeme_event())
    apply(lexeme_event("entry.unpublish", updated="2026-11-22T10:00:00Z"))
    assert conn.execute("select published_at from public.lexemes").fetchone() == (None,)
    apply(lexeme_event("entry.delete", updated="2026-11-23T10:00:00Z"))
    assert conn.execute("select count(*) from public.lexemes").fetchone() == (0,)


@pytest.mark.parametrize(
    ("overrides", "status"),
    [({"locale": "xx"}, 422), ({"learningLanguage": "pt-BR"}, 422)],
)
def test_apply_event_rejects_unknown_languages(
    db: psycopg.Connection, apply: Apply, overrides: dict[str, str], status: int
) -> None:
    """An unknown locale or a non-learning language is a 422 and stores nothing."""
    conn = service(db)
    locale = overrides.pop("locale", "en")
    with pytest.raises(IngestError) as raised:
        apply(lexeme_event(locale=locale, **overrides))
    assert raised.value.status == status
    assert conn.execute("select count(*) from app_private.cms_entries").fetchone() == (0,)
