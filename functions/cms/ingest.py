"""Apply one validated Strapi event idempotently, keyed by model, document id and locale.

Async on a service-role `psycopg.AsyncConnection`: inside the webhook's transaction
(`retry_as_caller` with `SERVICE`) the event's own transaction is a savepoint.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Literal

import orjson
import psycopg
from pydantic import BaseModel, ValidationError

from functions.cms.errors import IngestError
from functions.cms.models import DeckFields, LessonFields, LexemeFields, StrapiEvent
from functions.cms.writers import delete_locale, is_published, set_unpublished, upsert_entity
from functions.common.db import Conn

__all__ = ["Fields", "Outcome", "apply_event", "parse_fields"]

Outcome = Literal["applied", "duplicate", "stale", "draft_ignored"]
Fields = LexemeFields | DeckFields | LessonFields
FIELD_MODELS: dict[str, type[BaseModel]] = {
    "lexeme": LexemeFields,
    "deck": DeckFields,
    "lesson": LessonFields,
}
CONTENT_EVENTS = {"entry.create", "entry.update", "entry.publish"}

CLAIM_ENTRY = """
insert into app_private.cms_entries (model, document_id, locale, version_at, payload_hash)
values (%s, %s, %s, '-infinity', '') on conflict do nothing
"""
READ_ENTRY = """
select version_at > %s, version_at = %s and payload_hash = %s from app_private.cms_entries
where model = %s and document_id = %s and locale = %s for update
"""
RECORD_ENTRY = """
update app_private.cms_entries
set version_at = %s, payload_hash = %s, deleted = %s, applied_at = now()
where model = %s and document_id = %s and locale = %s
"""


def parse_fields(event: StrapiEvent) -> Fields | None:
    """Validate the model's content fields; deletions and unpublishing need none."""
    if event.event not in CONTENT_EVENTS:
        return None
    try:
        fields = FIELD_MODELS[event.model].model_validate(event.raw_entry)
    except ValidationError as error:
        raise IngestError(
            422,
            f"invalid {event.model}: {error.errors()[0]['msg']} at "
            f"{'.'.join(str(p) for p in error.errors()[0]['loc'])}",
        ) from None
    assert isinstance(fields, LexemeFields | DeckFields | LessonFields)
    return fields


def ordering_time(event: StrapiEvent) -> datetime:
    """When the state this event describes came to be; older than stored means superseded."""
    if event.event in CONTENT_EVENTS:
        return max(event.entry.updated_at, event.entry.published_at or event.entry.updated_at)
    return event.created_at


def payload_hash(event: StrapiEvent) -> str:
    body = orjson.dumps([event.event, event.raw_entry], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(body).hexdigest()


def published_time(event: StrapiEvent) -> datetime | None:
    if event.event == "entry.publish":
        return event.entry.published_at or event.created_at
    return event.entry.published_at


async def apply_change(conn: Conn, event: StrapiEvent, fields: Fields | None) -> Outcome:
    key, locale = event.entry.key, event.entry.locale
    if event.event == "entry.delete":
        await delete_locale(conn, event.model, key, locale)
    elif event.event == "entry.unpublish":
        await set_unpublished(conn, event.model, key)
    else:
        assert fields is not None
        published_at = published_time(event)
        # Strapi v5 keeps editing a draft beside the live version: a draft never replaces it.
        if published_at is None and await is_published(conn, event.model, key):
            return "draft_ignored"
        await upsert_entity(conn, event.model, key, locale, fields, published_at)
    return "applied"


async def apply_event(conn: Conn, event: StrapiEvent, fields: Fields | None) -> Outcome:
    """Apply `event` in one transaction unless a same-or-newer state was already applied."""
    identity = (event.model, event.entry.key, event.entry.locale)
    version, digest = ordering_time(event), payload_hash(event)
    try:
        async with conn.transaction():
            known = await conn.execute(
                "select 1 from public.locales where code = %s", (event.entry.locale,)
            )
            if not await known.fetchone():
                raise IngestError(422, f"unknown locale '{event.entry.locale}'")
            await conn.execute(CLAIM_ENTRY, identity)
            read = await conn.execute(READ_ENTRY, (version, version, digest, *identity))
            stored = await read.fetchone()
            assert stored is not None
            if stored[0]:
                return "stale"
            if stored[1]:
                return "duplicate"
            outcome = await apply_change(conn, event, fields)
            await conn.execute(
                RECORD_ENTRY, (version, digest, event.event == "entry.delete", *identity)
            )
            return outcome
    except (psycopg.errors.ForeignKeyViolation, psycopg.errors.CheckViolation) as error:
        detail = error.diag.message_detail or error.diag.message_primary or "constraint violated"
        raise IngestError(422, f"rejected by the content model: {detail}") from None
