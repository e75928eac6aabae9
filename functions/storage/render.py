"""Image transformations as Supabase offers them (`/render/image/…`, the `transform` option of
signed URLs): width, height (1–2000), resize cover | contain | fill, quality (20–100), format
origin | webp | avif | png | jpeg, rendered with Pillow.

Results are cached on disk under `<render cache>/<object version>/<options digest>`: a new
upload gets a new version, so an overwritten object is never served from the old cache, and the
old version's folder is removed with its file (objects.py) or by reconciliation. Sources larger
than `render_max_source_bytes` or `render_max_source_pixels` are refused before decoding, and
at most two renders run at once (each in a worker thread).
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import anyio
import anyio.to_thread
from PIL import Image, ImageOps, UnidentifiedImageError

from functions.storage.backends import Backend, Location
from functions.storage.config import StorageSettings
from functions.storage.errors import StorageError
from functions.storage.store import ObjectRow

__all__ = ["RenderCache", "Rendered", "Transform", "drop_cached_versions"]

MAX_DIMENSION = 2000
Resize = Literal["cover", "contain", "fill"]
_FORMATS = {
    "png": ("PNG", "image/png"),
    "jpeg": ("JPEG", "image/jpeg"),
    "webp": ("WEBP", "image/webp"),
    "avif": ("AVIF", "image/avif"),
    "gif": ("GIF", "image/gif"),
}
_PIL_TO_NAME = {"PNG": "png", "JPEG": "jpeg", "WEBP": "webp", "GIF": "gif", "AVIF": "avif"}
_LIMITER = anyio.CapacityLimiter(2)


def _invalid(message: str) -> StorageError:
    return StorageError.invalid_request(message)


def _dimension(value: Any, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(str(value))
    except ValueError:
        raise _invalid(f"{name} must be an integer") from None
    if number <= 0:
        return None
    return min(number, MAX_DIMENSION)


@dataclass(frozen=True)
class Transform:
    width: int | None = None
    height: int | None = None
    resize: Resize = "cover"
    quality: int = 80
    format: str = "origin"

    @classmethod
    def parse(cls, values: Mapping[str, Any], accept: str = "") -> Transform:
        """From query parameters or a signed URL's `transform` object."""
        resize = str(values.get("resize") or "cover").lower()
        if resize not in ("cover", "contain", "fill"):
            raise _invalid("resize must be one of cover, contain, fill")
        quality_raw = values.get("quality")
        try:
            quality = 80 if quality_raw in (None, "") else int(str(quality_raw))
        except ValueError:
            raise _invalid("quality must be an integer") from None
        fmt = str(values.get("format") or "").lower()
        if not fmt:
            fmt = "webp" if "image/webp" in accept else "origin"
        if fmt == "jpg":
            fmt = "jpeg"
        if fmt != "origin" and fmt not in _FORMATS:
            raise _invalid("format must be one of origin, webp, avif, png, jpeg")
        return cls(
            _dimension(values.get("width"), "width"),
            _dimension(values.get("height"), "height"),
            resize,  # type: ignore[arg-type]
            max(20, min(quality, 100)),
            fmt,
        )

    @classmethod
    def from_claims(cls, transformations: str, fmt: str | None) -> Transform:
        """From a signed token's `transformations` (`height:100,width:100,resize:cover`)."""
        values: dict[str, str] = {}
        for pair in transformations.split(","):
            name, _, value = pair.partition(":")
            if name:
                values[name.strip()] = value.strip()
        values["format"] = fmt or "origin"
        return cls.parse(values)

    def claims(self) -> dict[str, str]:
        """What a signed URL's token carries."""
        parts = []
        if self.height:
            parts.append(f"height:{self.height}")
        if self.width:
            parts.append(f"width:{self.width}")
        parts.append(f"resize:{self.resize}")
        parts.append(f"quality:{self.quality}")
        return {"transformations": ",".join(parts), "format": self.format}

    def header(self) -> str:
        return f"{self.claims()['transformations']},format:{self.format}"

    def digest(self) -> str:
        return hashlib.sha256(self.header().encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Rendered:
    data: bytes
    content_type: str
    etag: str


def _target_format(image_format: str | None, wanted: str) -> str:
    if wanted != "origin":
        return wanted
    return _PIL_TO_NAME.get(image_format or "", "png")


def _resized(image: Image.Image, t: Transform) -> Image.Image:
    width, height = t.width, t.height
    if width is None and height is None:
        return image
    if width is None or height is None:
        ratio = (width / image.width) if width else ((height or 1) / image.height)
        size = (max(1, round(image.width * ratio)), max(1, round(image.height * ratio)))
        return image.resize(size, Image.Resampling.LANCZOS)
    if t.resize == "fill":
        return image.resize((width, height), Image.Resampling.LANCZOS)
    if t.resize == "contain":
        return ImageOps.contain(image, (width, height), Image.Resampling.LANCZOS)
    return ImageOps.fit(image, (width, height), Image.Resampling.LANCZOS)


def render_bytes(data: bytes, t: Transform, max_pixels: int) -> tuple[bytes, str]:
    """The transformed image and its content type (runs in a worker thread)."""
    try:
        with Image.open(io.BytesIO(data)) as source:
            if source.width * source.height > max_pixels:
                raise StorageError.too_large("The image is too large to transform")
            name = _target_format(source.format, t.format)
            image: Image.Image = ImageOps.exif_transpose(source)
            image = _resized(image, t)
            pil_format, content_type = _FORMATS[name]
            if pil_format == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            out = io.BytesIO()
            options: dict[str, Any] = {}
            if pil_format in ("JPEG", "WEBP", "AVIF"):
                options["quality"] = t.quality
            image.save(out, pil_format, **options)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise _invalid("The object is not an image that can be transformed") from None
    return out.getvalue(), content_type


def _store(folder: Path, name: str, data: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{uuid.uuid4().hex}"
    temporary.write_bytes(data)
    final = folder / name
    os.replace(temporary, final)


def _cached(folder: Path, digest: str) -> tuple[bytes, str] | None:
    """A cached rendering's bytes and content type, if there is one."""
    if not folder.is_dir():
        return None
    for candidate in folder.glob(f"{digest}.*"):
        try:
            return candidate.read_bytes(), "image/" + candidate.suffix.lstrip(".")
        except FileNotFoundError:  # dropped meanwhile (the object was overwritten)
            return None
    return None


def drop_cached_versions(cache_root: Path, versions: list[str]) -> None:
    """Forget every rendering of these versions (their files are gone)."""
    for version in versions:
        shutil.rmtree(cache_root / version, ignore_errors=True)


class RenderCache:
    def __init__(self, settings: StorageSettings, backend: Backend) -> None:
        self.root = settings.render_cache
        self.backend = backend
        self.max_bytes = settings.render_max_source_bytes
        self.max_pixels = settings.render_max_source_pixels

    async def render(self, obj: ObjectRow, t: Transform) -> Rendered:
        folder = self.root / obj.version
        digest = t.digest()
        etag = f'"{obj.version}-{digest[:16]}"'
        found = await anyio.to_thread.run_sync(_cached, folder, digest)
        if found is not None:
            return Rendered(found[0], found[1], etag)
        data = await self._source(obj)
        output, content_type = await anyio.to_thread.run_sync(
            render_bytes, data, t, self.max_pixels, limiter=_LIMITER
        )
        extension = content_type.split("/", 1)[1]
        await anyio.to_thread.run_sync(_store, folder, f"{digest}.{extension}", output)
        return Rendered(output, content_type, etag)

    async def _source(self, obj: ObjectRow) -> bytes:
        if obj.size > self.max_bytes:
            raise StorageError.too_large("The image is too large to transform")
        where = Location(obj.row["bucket_id"], obj.row["name"], obj.version)
        try:
            chunks = await self.backend.open(where)
        except FileNotFoundError:
            raise StorageError.no_such_key() from None
        data = bytearray()
        async for chunk in chunks:
            data += chunk
            if len(data) > self.max_bytes:
                raise StorageError.too_large("The image is too large to transform")
        return bytes(data)
