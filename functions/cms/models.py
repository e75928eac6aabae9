"""Strapi webhook payloads (v4 and v5 shapes) and the content fields each model carries."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

__all__ = [
    "DeckFields",
    "LessonFields",
    "LexemeFields",
    "StrapiEntry",
    "StrapiEvent",
]

EventName = Literal[
    "entry.create", "entry.update", "entry.delete", "entry.publish", "entry.unpublish"
]
ModelName = Literal["lexeme", "deck", "lesson"]
Locale = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")]
DocumentId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,100}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=20000)]


class Lenient(BaseModel):
    """Strapi adds fields over time (createdBy, localizations, ...): ignore what we don't use."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class StrapiEntry(Lenient):
    """The envelope fields every entry carries; v4 entries have no documentId."""

    id: int | str
    document_id: DocumentId | None = Field(default=None, alias="documentId")
    locale: Locale = "en"
    published_at: datetime | None = Field(default=None, alias="publishedAt")
    updated_at: datetime = Field(alias="updatedAt")

    @property
    def key(self) -> str:
        return self.document_id or str(self.id)


class StrapiEvent(Lenient):
    """One webhook delivery: `{event, createdAt, model, uid, entry}`."""

    event: EventName
    created_at: datetime = Field(alias="createdAt")
    model: ModelName
    uid: str | None = Field(default=None, max_length=200)
    entry: StrapiEntry
    raw_entry: dict[str, object] = Field(default_factory=dict, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def keep_raw_entry(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("entry"), dict):
            return {**data, "raw_entry": data["entry"]}
        return data


class Relation(Lenient):
    document_id: DocumentId = Field(alias="documentId")


class FormIn(Lenient):
    form: Text
    tags: list[Annotated[str, StringConstraints(max_length=40)]] = Field(
        default_factory=list, max_length=20
    )


class ExampleIn(Lenient):
    sentence: Annotated[str, StringConstraints(min_length=1, max_length=1000)]
    source: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    licence: Annotated[str, StringConstraints(min_length=1, max_length=100)]


class LexemeFields(Lenient):
    lemma: Text
    learning_language: Locale = Field(alias="learningLanguage")
    part_of_speech: Literal[
        "noun",
        "verb",
        "adjective",
        "adverb",
        "pronoun",
        "preposition",
        "conjunction",
        "determiner",
        "interjection",
        "numeral",
        "phrase",
    ] = Field(alias="partOfSpeech")
    cefr: Literal["A1", "A2", "B1", "B2", "C1", "C2"]
    frequency_rank: int | None = Field(default=None, alias="frequencyRank", gt=0, lt=10**7)
    audio: Annotated[str, StringConstraints(max_length=500)] | None = None
    forms: list[FormIn] = Field(default_factory=list, max_length=200)
    gloss: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    hint: Annotated[str, StringConstraints(max_length=2000)] | None = None
    examples: list[ExampleIn] = Field(default_factory=list, max_length=20)
    restricted_campaign: UUID | None = Field(default=None, alias="restrictedCampaign")


class DeckFields(Lenient):
    title: Text
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None
    learning_language: Locale = Field(alias="learningLanguage")
    pack: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,79}$")]
    lexemes: list[Relation] = Field(default_factory=list, max_length=1000)
    restricted_campaign: UUID | None = Field(default=None, alias="restrictedCampaign")


class LessonFields(Lenient):
    title: Text
    body: LongText = ""
    deck: Relation
    position: int = Field(default=0, ge=0, lt=10000)
