"""The local filesystem backend: `<root>/<bucket>/<key>/<version>~`, the key's folders as
directories, as self-hosted Supabase lays files out.

A file is written under `<root>/~tmp/` and renamed into place once complete, so a crash
mid-upload leaves only a temporary file (removed by reconciliation), never a partial object.
Every path is resolved and must stay under the root, even though keys are validated before.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread

from functions.storage.backends.base import (
    TMP_DIR,
    VERSION_SUFFIX,
    Location,
    StoredFile,
    resumable_piece,
)

__all__ = ["FileBackend"]

READ_CHUNK = 1024 * 1024


class FileBackend:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.tmp = self.root / TMP_DIR

    async def start(self) -> None:
        await anyio.to_thread.run_sync(lambda: self.tmp.mkdir(parents=True, exist_ok=True))

    async def close(self) -> None:
        return None

    def path(self, where: Location) -> Path:
        if where.bucket == TMP_DIR:  # a leftover temporary file (reconciliation)
            return self.tmp / Path(where.key).name
        path = (self.root / where.bucket / where.key / f"{where.version}{VERSION_SUFFIX}").resolve()
        if self.root not in path.parents or path.parent == self.root:
            raise ValueError("storage path escapes the backend root")
        return path

    gives_etag = False

    async def write(self, where: Location, chunks: AsyncIterator[bytes]) -> None:
        final = self.path(where)
        temporary = self.tmp / uuid.uuid4().hex
        try:
            async with await anyio.open_file(temporary, "wb") as handle:
                async for chunk in chunks:
                    await handle.write(chunk)
            await anyio.to_thread.run_sync(_place, temporary, final)
        finally:
            await anyio.to_thread.run_sync(_unlink, temporary)

    async def open(
        self, where: Location, start: int = 0, end: int | None = None
    ) -> AsyncIterator[bytes]:
        handle = await anyio.open_file(self.path(where), "rb")
        await handle.seek(start)
        return _stream(handle, None if end is None else end - start + 1)

    async def copy(self, source: Location, target: Location) -> None:
        await anyio.to_thread.run_sync(_copy, self.path(source), self.path(target), self.tmp)

    async def delete(self, places: Sequence[Location]) -> None:
        paths = [self.path(where) for where in places]
        await anyio.to_thread.run_sync(_delete_all, paths, self.root)

    async def walk(self) -> AsyncIterator[StoredFile]:
        found = await anyio.to_thread.run_sync(lambda: list(_walk(self.root)))
        for item in found:
            yield item

    async def abort_upload(self, where: Location, upload_id: str) -> None:
        del where, upload_id  # files have no open uploads

    # Resumable uploads: one temporary file `~tmp/tus-<version>`, appended to, renamed into
    # place when complete.

    async def resumable_begin(self, where: Location) -> dict[str, Any]:
        piece = self.path(resumable_piece(where.version))
        await anyio.to_thread.run_sync(piece.touch)
        return {}

    async def resumable_append(
        self, where: Location, state: dict[str, Any], offset: int, chunks: AsyncIterator[bytes]
    ) -> tuple[dict[str, Any], int]:
        piece = self.path(resumable_piece(where.version))
        written = 0
        async with await anyio.open_file(piece, "r+b") as handle:
            await handle.truncate(offset)
            await handle.seek(offset)
            async for chunk in chunks:
                await handle.write(chunk)
                written += len(chunk)
        return state, written

    async def resumable_finish(self, where: Location, state: dict[str, Any]) -> str:
        del state  # the piece's name is all there is
        piece = self.path(resumable_piece(where.version))
        digest = await anyio.to_thread.run_sync(_md5, piece)
        await anyio.to_thread.run_sync(_place, piece, self.path(where))
        return f'"{digest}"'

    async def resumable_abort(self, where: Location, state: dict[str, Any]) -> None:
        del state
        await anyio.to_thread.run_sync(_unlink, self.path(resumable_piece(where.version)))


async def _stream(handle: anyio.AsyncFile[bytes], remaining: int | None) -> AsyncIterator[bytes]:
    try:
        while remaining is None or remaining > 0:
            size = READ_CHUNK if remaining is None else min(READ_CHUNK, remaining)
            chunk = await handle.read(size)
            if not chunk:
                break
            if remaining is not None:
                remaining -= len(chunk)
            yield chunk
    finally:
        await handle.aclose()


def _place(temporary: Path, final: Path) -> None:
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(temporary, final)


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        while chunk := handle.read(READ_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _unlink(path: Path) -> None:
    path.unlink(missing_ok=True)


def _copy(source: Path, target: Path, tmp: Path) -> None:
    temporary = tmp / uuid.uuid4().hex
    try:
        shutil.copyfile(source, temporary)
        _place(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def _delete_all(paths: list[Path], root: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
        _prune(path.parent, root)


def _prune(folder: Path, root: Path) -> None:
    """Remove the now-empty folders of a deleted key, up to its bucket."""
    while folder.parent != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _walk(root: Path) -> Iterator[StoredFile]:
    for directory, _folders, files in os.walk(root):
        here = Path(directory)
        relative = here.relative_to(root)
        if relative.parts[:1] == (TMP_DIR,):
            for name in files:
                stat = (here / name).stat()
                yield StoredFile(Location(TMP_DIR, name, ""), stat.st_size, stat.st_mtime)
            continue
        for name in files:
            if not name.endswith(VERSION_SUFFIX) or len(relative.parts) < 2:
                continue
            stat = (here / name).stat()
            bucket, key = relative.parts[0], "/".join(relative.parts[1:])
            where = Location(bucket, key, name.removesuffix(VERSION_SUFFIX))
            yield StoredFile(where, stat.st_size, stat.st_mtime)
