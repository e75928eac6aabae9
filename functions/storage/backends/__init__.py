"""Where the bytes live: a local folder (the native default, like self-hosted Supabase's `file`
backend) or an S3-compatible service, chosen by configuration. Postgres holds the metadata;
a backend only stores, streams, copies and deletes files named by bucket, key and version."""

from __future__ import annotations

from functions.storage.backends.base import (
    TMP_DIR,
    Backend,
    Location,
    StoredFile,
    resumable_piece,
)
from functions.storage.config import StorageSettings

__all__ = [
    "TMP_DIR",
    "Backend",
    "Location",
    "StoredFile",
    "make_backend",
    "resumable_piece",
]


def make_backend(settings: StorageSettings) -> Backend:
    if settings.backend == "s3":
        from functions.storage.backends.s3 import S3Backend

        assert settings.s3 is not None, "the s3 backend needs its settings"
        return S3Backend(settings.s3)
    from functions.storage.backends.file import FileBackend

    return FileBackend(settings.file_root)
