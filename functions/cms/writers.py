"""Per-model upserts and deletions of CMS content rows (run inside the ingest transaction).

Async, on the caller's `psycopg.AsyncConnection`: the webhook runs them in its service-role
transaction, the bulk importer (a seed step) under `asyncio.run`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from functions.cms.errors import IngestError
from functions.cms.models import DeckFields, LessonFields, LexemeFields
from functions.common.db import Conn

__all__ = ["delete_locale", "set_unpublished", "upsert_entity"]

TABLES = {"lexeme": "lexemes", "deck": "decks", "lesson": "lessons"}
TRANSLATIONS = {
    "lexeme": ("lexeme_glosses", "lexeme_id"),
    "deck": ("deck_translations", "deck_id"),
    "lesson": ("lesson_translations", "lesson_id"),
}


async def one(conn: Conn, query: str, params: tuple[Any, ...]) -> Any:
    row = await (await conn.execute(query.encode(), params)).fetchone()
    return row[0] if row else None


async def require_learning_language(conn: Conn, code: str) -> None:
    if not await one(conn, "select is_learning from public.locales where code = %s", (code,)):
        raise IngestError(422, f"'{code}' is not a learning language")


async def upsert_lexeme(
    conn: Conn,
    key: str,
    locale: str,
    fields: LexemeFields,
    published_at: datetime | None,
) -> None:
    await require_learning_language(conn, fields.learning_language)
    lexeme_id = await one(
        conn,
        """
        insert into public.lexemes (cms_document_id, learning_language, lemma, part_of_speech,
            cefr, frequency_rank, audio_path, restricted_campaign_id, published_at)
        values (%s, %s, %s, %s, %s, %s, %s, %s, %s)
        on conflict (cms_document_id) do update set
            learning_language = excluded.learning_language, lemma = excluded.lemma,
            part_of_speech = excluded.part_of_speech, cefr = excluded.cefr,
            frequency_rank = excluded.frequency_rank, audio_path = excluded.audio_path,
            restricted_campaign_id = excluded.restricted_campaign_id,
            published_at = excluded.published_at, updated_at = now()
        returning id""",
        (
            key,
            fields.learning_language,
            fields.lemma,
            fields.part_of_speech,
            fields.cefr,
            fields.frequency_rank,
            fields.audio,
            fields.restricted_campaign,
            published_at,
        ),
    )
    forms = {form.form: form.tags for form in fields.forms}
    await conn.execute(
        "delete from public.lexeme_forms where lexeme_id = %s and surface_form <> all(%s)",
        (lexeme_id, list(forms)),
    )
    async with conn.cursor() as cursor:
        await cursor.executemany(
            """
            insert into public.lexeme_forms (lexeme_id, surface_form, morphology)
            values (%s, %s, %s) on conflict (lexeme_id, surface_form) do update
            set morphology = excluded.morphology
            where lexeme_forms.morphology is distinct from excluded.morphology""",
            [(lexeme_id, form, tags) for form, tags in forms.items()],
        )
        await conn.execute("delete from public.lexeme_examples where lexeme_id = %s", (lexeme_id,))
        await cursor.executemany(
            """
            insert into public.lexeme_examples (lexeme_id, position, sentence, source, licence)
            values (%s, %s, %s, %s, %s)""",
            [
                (lexeme_id, i, e.sentence, e.source, e.licence)
                for i, e in enumerate(fields.examples)
            ],
        )
    await conn.execute(
        """
        insert into public.lexeme_glosses (lexeme_id, locale, gloss, hint) values (%s, %s, %s, %s)
        on conflict (lexeme_id, locale) do update set gloss = excluded.gloss, hint = excluded.hint
        """,
        (lexeme_id, locale, fields.gloss, fields.hint),
    )


async def pack_id(conn: Conn, slug: str, learning_language: str) -> UUID:
    await conn.execute(
        "insert into public.content_packs (slug, learning_language) values (%s, %s)"
        " on conflict (slug) do nothing",
        (slug, learning_language),
    )
    cursor = await conn.execute(
        "select id, learning_language from public.content_packs where slug = %s", (slug,)
    )
    row = await cursor.fetchone()
    if row is None or row[1] != learning_language:
        raise IngestError(422, f"pack '{slug}' teaches another language")
    return UUID(str(row[0]))


async def upsert_deck(
    conn: Conn,
    key: str,
    locale: str,
    fields: DeckFields,
    published_at: datetime | None,
) -> None:
    await require_learning_language(conn, fields.learning_language)
    pack = await pack_id(conn, fields.pack, fields.learning_language)
    deck_id = await one(
        conn,
        """
        insert into public.decks (cms_document_id, pack_id, learning_language,
            restricted_campaign_id, published_at)
        values (%s, %s, %s, %s, %s)
        on conflict (cms_document_id) do update set
            pack_id = excluded.pack_id, learning_language = excluded.learning_language,
            restricted_campaign_id = excluded.restricted_campaign_id,
            published_at = excluded.published_at, updated_at = now()
        returning id""",
        (key, pack, fields.learning_language, fields.restricted_campaign, published_at),
    )
    await conn.execute(
        """
        insert into public.deck_translations (deck_id, locale, title, description)
        values (%s, %s, %s, %s) on conflict (deck_id, locale) do update
        set title = excluded.title, description = excluded.description
        """,
        (deck_id, locale, fields.title, fields.description),
    )
    members = [relation.document_id for relation in fields.lexemes]
    await conn.execute(
        """
        delete from public.deck_lexemes as dl using public.lexemes as l
        where dl.deck_id = %s and dl.lexeme_id = l.id and l.cms_document_id <> all(%s)
        """,
        (deck_id, members),
    )
    await conn.execute(
        """
        insert into public.deck_lexemes (deck_id, lexeme_id, position)
        select %s, l.id, m.position - 1
        from unnest(%s::text[]) with ordinality as m (document_id, position)
        inner join public.lexemes as l on l.cms_document_id = m.document_id
        where l.learning_language = %s
        on conflict (deck_id, lexeme_id) do update set position = excluded.position
        where deck_lexemes.position is distinct from excluded.position
        """,
        (deck_id, members, fields.learning_language),
    )


async def upsert_lesson(
    conn: Conn,
    key: str,
    locale: str,
    fields: LessonFields,
    published_at: datetime | None,
) -> None:
    deck_id = await one(
        conn, "select id from public.decks where cms_document_id = %s", (fields.deck.document_id,)
    )
    if deck_id is None:
        raise IngestError(422, f"deck '{fields.deck.document_id}' is unknown")
    lesson_id = await one(
        conn,
        """
        insert into public.lessons (cms_document_id, deck_id, position, published_at)
        values (%s, %s, %s, %s)
        on conflict (cms_document_id) do update set deck_id = excluded.deck_id,
            position = excluded.position, published_at = excluded.published_at,
            updated_at = now()
        returning id""",
        (key, deck_id, fields.position, published_at),
    )
    await conn.execute(
        """
        insert into public.lesson_translations (lesson_id, locale, title, body)
        values (%s, %s, %s, %s) on conflict (lesson_id, locale) do update
        set title = excluded.title, body = excluded.body
        """,
        (lesson_id, locale, fields.title, fields.body),
    )


UPSERTS: dict[str, Any] = {"lexeme": upsert_lexeme, "deck": upsert_deck, "lesson": upsert_lesson}


async def upsert_entity(
    conn: Conn,
    model: str,
    key: str,
    locale: str,
    fields: LexemeFields | DeckFields | LessonFields,
    published_at: datetime | None,
) -> None:
    await UPSERTS[model](conn, key, locale, fields, published_at)


async def is_published(conn: Conn, model: str, key: str) -> bool:
    query = (
        f"select published_at is not null from public.{TABLES[model]} where cms_document_id = %s"
    )
    return bool(await one(conn, query, (key,)))


async def set_unpublished(conn: Conn, model: str, key: str) -> None:
    await conn.execute(
        f"update public.{TABLES[model]} set published_at = null, updated_at = now()"
        " where cms_document_id = %s and published_at is not null".encode(),
        (key,),
    )


async def delete_locale(conn: Conn, model: str, key: str, locale: str) -> None:
    """Remove one localization; the entity goes with its last one."""
    table, column = TRANSLATIONS[model]
    entity = await one(
        conn, f"select id from public.{TABLES[model]} where cms_document_id = %s", (key,)
    )
    if entity is None:
        return
    await conn.execute(
        f"delete from public.{table} where {column} = %s and locale = %s".encode(), (entity, locale)
    )
    if await one(conn, f"select count(*) from public.{table} where {column} = %s", (entity,)) == 0:
        await conn.execute(f"delete from public.{TABLES[model]} where id = %s".encode(), (entity,))
