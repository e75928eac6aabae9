"""The backend protocol and the names it deals in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = ["Backend", "Location", "StoredFile", "VERSION_SUFFIX"]

# A version's file is named `<version>~`: `~` is outside the key alphabet, so no object key's
# segment can ever be a version file of another key (`a` and `a/<version of a>`).
VERSION_SUFFIX = "~"


@dataclass(frozen=True)
class Location:
    """One version of one object."""

    bucket: str
    key: str
    version: str


@dataclass(frozen=True)
class StoredFile:
    """A file found in the backend, for reconciliation."""

    location: Location
    size: int
    modified_at: float


class Backend(Protocol):
    async def start(self) -> None:
        """Prepare the store (create the folder or the S3 bucket when missing)."""

    async def write(self, where: Location, chunks: AsyncIterator[bytes]) -> None:
        """Store the chunks as `where`; nothing is left behind if the iterator raises."""

    async def open(
        self, where: Location, start: int = 0, end: int | None = None
    ) -> AsyncIterator[bytes]:
        """The bytes start..end (inclusive) of `where`; FileNotFoundError when it is missing."""

    async def copy(self, source: Location, target: Location) -> None:
        """Copy a stored file; FileNotFoundError when the source is missing."""

    async def delete(self, places: Sequence[Location]) -> None:
        """Delete files; missing ones are ignored."""

    def walk(self) -> AsyncIterator[StoredFile]:
        """Every stored version file."""

    async def close(self) -> None:
        """Release connections."""
