"""Typesense collection schemas, one per searchable content type."""

from __future__ import annotations

from typing import Any

__all__ = ["QUERY_BY", "collection_schema"]

COMMON_FIELDS: list[dict[str, Any]] = [
    {"name": "entity_id", "type": "string", "facet": True},
    {"name": "locale", "type": "string", "facet": True},
    {"name": "learning_language", "type": "string", "facet": True},
    {"name": "audience", "type": "string", "facet": True},
]

KIND_FIELDS: dict[str, list[dict[str, Any]]] = {
    "lexeme": [
        {"name": "lemma", "type": "string"},
        {"name": "forms", "type": "string[]"},
        {"name": "gloss", "type": "string", "optional": True},
        {"name": "hint", "type": "string", "optional": True},
        {"name": "part_of_speech", "type": "string", "facet": True},
        {"name": "cefr", "type": "string", "facet": True},
        {"name": "frequency_rank", "type": "int32", "optional": True},
    ],
    "deck": [
        {"name": "title", "type": "string"},
        {"name": "description", "type": "string", "optional": True},
        {"name": "lexeme_count", "type": "int32"},
    ],
    "lesson": [
        {"name": "deck_id", "type": "string", "facet": True},
        {"name": "position", "type": "int32"},
        {"name": "title", "type": "string"},
        {"name": "body", "type": "string"},
    ],
    "campaign": [
        {"name": "name", "type": "string"},
        {"name": "description", "type": "string"},
    ],
}

# Fields searched, most specific first: a lemma or inflected form outranks a gloss match.
QUERY_BY: dict[str, str] = {
    "lexeme": "lemma,forms,gloss",
    "deck": "title,description",
    "lesson": "title,body",
    "campaign": "name,description",
}


def collection_schema(kind: str, name: str) -> dict[str, Any]:
    """The schema of a new physical collection for `kind`."""
    return {
        "name": name,
        "fields": COMMON_FIELDS + KIND_FIELDS[kind],
        "token_separators": ["-", "'"],
    }
