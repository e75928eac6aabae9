"""Arrange content for learning tests (as the superuser): a published Spanish pack whose version
holds the given lexemes, pinned to a campaign; forms and glosses included."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg

# lemma -> (cefr, gloss, inflected forms)
WORDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "perro": ("A1", "dog", ("perros",)),
    "gato": ("A1", "cat", ("gatos",)),
    "casa": ("A1", "house", ("casas",)),
    "canción": ("A1", "song", ("canciones",)),
    "tener": ("A2", "to have", ("tengo", "tienes", "tiene")),
}


def pin_pack(
    db: psycopg.Connection[Any],
    campaign: uuid.UUID,
    words: dict[str, tuple[str, str, tuple[str, ...]]] = WORDS,
) -> dict[str, uuid.UUID]:
    """Create the lexemes, a deck and a pack, snapshot version 1 and pin it; lemma -> id."""
    tag = uuid.uuid4().hex[:8]
    pack = db.execute(
        "insert into public.content_packs (slug, learning_language) values (%s, 'es') returning id",
        (f"learning-{tag}",),
    ).fetchone()
    deck = db.execute(
        "insert into public.decks (pack_id, learning_language, published_at)"
        " values (%s, 'es', now()) returning id",
        (pack[0],),  # type: ignore[index]
    ).fetchone()
    ids: dict[str, uuid.UUID] = {}
    for lemma, (cefr, gloss, forms) in words.items():
        row = db.execute(
            "insert into public.lexemes (learning_language, lemma, part_of_speech, cefr,"
            " published_at) values ('es', %s, 'noun', %s, now()) returning id",
            (lemma, cefr),
        ).fetchone()
        assert row is not None
        ids[lemma] = row[0]
        db.execute(
            "insert into public.lexeme_glosses (lexeme_id, locale, gloss) values (%s, 'en', %s)",
            (row[0], gloss),
        )
        for form in forms:
            db.execute(
                "insert into public.lexeme_forms (lexeme_id, surface_form) values (%s, %s)",
                (row[0], form),
            )
        db.execute(
            "insert into public.deck_lexemes (deck_id, lexeme_id) values (%s, %s)",
            (deck[0], row[0]),  # type: ignore[index]
        )
    db.execute("select app_private.snapshot_content_pack(%s)", (pack[0],))  # type: ignore[index]
    db.execute(
        "insert into public.campaign_content_packs (campaign_id, pack_version_id)"
        " select %s, v.id from public.content_pack_versions as v where v.pack_id = %s",
        (campaign, pack[0]),  # type: ignore[index]
    )
    return ids
