"""Content types: parsing the declared one, a bucket's allowed list (with `type/*`), and a check
that the first bytes of an image, audio or PDF upload are what the declared type says."""

from __future__ import annotations

import re

from functions.storage.errors import StorageError

__all__ = ["SNIFF_BYTES", "base_type", "check_allowed", "check_magic"]

SNIFF_BYTES = 64
_TOKEN = re.compile(r"^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+$")

# Declared type → predicates on the first bytes; a declared type absent here is not sniffed.
_MAGIC: dict[str, tuple[bytes, ...]] = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "application/pdf": (b"%PDF-",),
    "audio/mpeg": (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2", b"\xff\xe3"),
    "audio/ogg": (b"OggS",),
    "audio/flac": (b"fLaC",),
    "audio/webm": (b"\x1a\x45\xdf\xa3",),
}


def base_type(content_type: str) -> str:
    """`type/subtype` in lower case, parameters dropped; InvalidMimeType when malformed."""
    base = content_type.split(";", 1)[0].strip().lower()
    if not _TOKEN.fullmatch(base):
        raise StorageError.invalid_mime("Invalid Content-Type header")
    return base


def check_allowed(content_type: str, allowed: list[str] | None) -> str:
    """The base type when the bucket accepts it (exact, or `type/*`); else InvalidMimeType."""
    base = base_type(content_type)
    if allowed is None or len(allowed) == 0:
        return base
    family = base.split("/", 1)[0] + "/*"
    if any(entry.lower() in (base, family, "*/*", "*") for entry in allowed):
        return base
    raise StorageError.invalid_mime(f"mime type {base} is not supported")


def _matches(base: str, head: bytes) -> bool | None:
    """True/False when the type has a known signature; None when it is not sniffed."""
    if base in _MAGIC:
        return head.startswith(_MAGIC[base])
    if base == "image/webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if base in ("audio/wav", "audio/x-wav", "audio/wave"):
        return head[:4] == b"RIFF" and head[8:12] == b"WAVE"
    if base in ("audio/mp4", "audio/m4a", "audio/x-m4a"):
        return head[4:8] == b"ftyp"
    return None


def check_magic(base: str, head: bytes) -> None:
    """Refuse a body whose first bytes contradict its declared image, audio or PDF type."""
    if _matches(base, head) is False:
        raise StorageError.invalid_mime(f"mime type {base} does not match the content")
