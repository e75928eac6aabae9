"""Strapi payload models accept v4 and v5 shapes and reject what we cannot store."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from functions.cms.models import LexemeFields, StrapiEvent


def envelope(**entry: Any) -> dict[str, Any]:
    return {
        "event": "entry.update",
        "createdAt": "2026-11-21T10:00:00.000Z",
        "model": "lexeme",
        "uid": "api::lexeme.lexeme",
        "entry": {"id": 12, "updatedAt": "2026-11-21T10:00:00.000Z", **entry},
    }


def test_strapi_event_v4_entry_is_keyed_by_id() -> None:
    """A v4 entry (no documentId, no locale) is keyed by its id in the default locale."""
    event = StrapiEvent.model_validate(envelope(createdBy={"id": 1}))
    assert (event.entry.key, event.entry.locale) == ("12", "en")
    assert event.raw_entry["createdBy"] == {"id": 1}


def test_strapi_event_v5_entry_is_keyed_by_document_id() -> None:
    """A v5 entry is keyed by documentId, per locale."""
    event = StrapiEvent.model_validate(envelope(documentId="abc123", locale="pt-BR"))
    assert (event.entry.key, event.entry.locale) == ("abc123", "pt-BR")


@pytest.mark.parametrize("entry", [{"updatedAt": None}, {"documentId": "a b"}, {"locale": "PT-br"}])
def test_strapi_event_rejects_bad_envelopes(entry: dict[str, Any]) -> None:
    """A missing timestamp, an unsafe document id or a malformed locale is invalid."""
    with pytest.raises(ValidationError):
        StrapiEvent.model_validate(envelope(**entry))


def test_lexeme_fields_limit_forms() -> None:
    """More than 200 inflected forms is refused."""
    fields = {
        "lemma": "ir",
        "learningLanguage": "es",
        "partOfSpeech": "verb",
        "cefr": "A1",
        "gloss": "to go",
        "forms": [{"form": f"f{n}"} for n in range(201)],
    }
    with pytest.raises(ValidationError):
        LexemeFields.model_validate(fields)
