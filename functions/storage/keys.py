"""Which bucket names and object keys are acceptable, as upstream's rules, plus what a file
backend must never see: dot segments, empty segments, a leading slash, NUL, over-long keys.

The path reaches us percent-decoded, so `%2e%2e` is `..` here and refused like it; anything
outside upstream's ASCII set (NUL, other control characters, any non-ASCII character, hence
every Unicode normalisation trick) is refused before it touches Postgres or the disk.
"""

from __future__ import annotations

import re

from functions.storage.errors import StorageError

__all__ = ["MAX_KEY_BYTES", "check_bucket_name", "check_key", "is_valid_key"]

MAX_KEY_BYTES = 1024
_KEY = re.compile(r"^[A-Za-z0-9_/!.*'() &$=@;:+,?-]+$")
_BUCKET = re.compile(r"^[A-Za-z0-9_!.*'() &$=@;:+,?-]+$")


def is_valid_key(key: str) -> bool:
    if not key or len(key.encode()) > MAX_KEY_BYTES or not _KEY.fullmatch(key):
        return False
    segments = key.split("/")
    return all(segment not in ("", ".", "..") for segment in segments)


def check_key(key: str) -> str:
    """The key itself, or InvalidKey."""
    if not is_valid_key(key):
        raise StorageError.invalid_key(key)
    return key


def check_bucket_name(name: str) -> str:
    """The bucket name itself, or InvalidBucketName (as upstream: ≤ 100, no edge spaces)."""
    if (
        not name
        or len(name) > 100
        or name != name.strip()
        or name in (".", "..")
        or not _BUCKET.fullmatch(name)
    ):
        raise StorageError.invalid_bucket_name()
    return name
