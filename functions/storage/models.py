"""Request bodies, validated with coercion as upstream's ajv does (supabase-py sends
`expiresIn` as a string); unknown keys are dropped."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "BucketCreate",
    "BucketUpdate",
    "CopyBody",
    "ListBody",
    "ListV2Body",
    "MoveBody",
    "RemoveBody",
    "SignBody",
    "SignManyBody",
    "SortBy",
    "TransformBody",
]


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class BucketCreate(Body):
    name: str
    id: str | None = None
    public: bool = False
    type: Literal["STANDARD", "ANALYTICS"] = "STANDARD"
    file_size_limit: int | str | None = None
    allowed_mime_types: list[str] | None = None


class BucketUpdate(Body):
    public: bool | None = None
    file_size_limit: int | str | None = None
    allowed_mime_types: list[str] | None = None


class SortBy(Body):
    column: Literal["name", "updated_at", "created_at", "last_accessed_at"] = "name"
    order: Literal["asc", "desc", "ASC", "DESC"] = "asc"


class ListBody(Body):
    prefix: str
    limit: int = Field(default=100, ge=1, le=1500)
    offset: int = Field(default=0, ge=0)
    sortBy: SortBy | None = None  # noqa: N815 - the API's own field name
    search: str = ""


class SortByV2(Body):
    column: Literal["name", "updated_at", "created_at"] = "name"
    order: Literal["asc", "desc"] = "asc"


class ListV2Body(Body):
    """`POST /object/list-v2/{bucket}` (storage-js `listV2`): S3 ListObjectsV2 semantics."""

    prefix: str = ""
    limit: int = Field(default=1000, ge=1, le=1000)
    cursor: str | None = None
    with_delimiter: bool = False
    sortBy: SortByV2 | None = None  # noqa: N815


class MoveBody(Body):
    bucketId: str  # noqa: N815
    sourceKey: str  # noqa: N815
    destinationKey: str  # noqa: N815
    destinationBucket: str | None = None  # noqa: N815


class CopyBody(MoveBody):
    metadata: dict[str, Any] | None = None
    copyMetadata: bool = True  # noqa: N815


class TransformBody(Body):
    width: int | None = None
    height: int | None = None
    resize: Literal["cover", "contain", "fill"] | None = None
    quality: int | None = None
    format: str | None = None


class SignBody(Body):
    expiresIn: int = Field(ge=1)  # noqa: N815
    transform: TransformBody | None = None


class SignManyBody(SignBody):
    paths: list[str] = Field(min_length=1, max_length=1000)


class RemoveBody(Body):
    prefixes: list[str] = Field(min_length=1, max_length=1000)
