"""`python -m functions.cms.bulk_import <file>`: load a Strapi export exactly as webhooks would.

The export is `{"version": 1, "entries": {"lexeme": [...], "deck": [...], "lesson": [...]}}`,
each entry shaped like a webhook's `entry`. Entries with `publishedAt` arrive as `entry.publish`,
the others as `entry.create`; lexemes first, so decks and lessons find what they reference.
A one-shot seed step: it drives the webhook's async writers under `asyncio.run`.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import psycopg

from functions.cms.errors import IngestError
from functions.cms.ingest import apply_event, parse_fields
from functions.cms.models import StrapiEvent
from functions.common.config import get_config
from functions.common.db import Conn

__all__ = ["SAMPLE_EXPORT", "ImportReport", "import_export", "load_path", "load_sample_content"]

SAMPLE_EXPORT = Path(__file__).resolve().parents[2] / "content" / "sample_export.json"
MODEL_ORDER = ("lexeme", "deck", "lesson")


@dataclass
class ImportReport:
    """Counts per outcome and the entries that were rejected, with why."""

    outcomes: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def as_event(model: str, entry: dict[str, Any]) -> dict[str, Any]:
    name = "entry.publish" if entry.get("publishedAt") else "entry.create"
    return {
        "event": name,
        "createdAt": entry.get("updatedAt"),
        "model": model,
        "uid": f"api::{model}.{model}",
        "entry": entry,
    }


async def import_entry(conn: Conn, model: str, entry: dict[str, Any], report: ImportReport) -> None:
    try:
        event = StrapiEvent.model_validate(as_event(model, entry))
        outcome = await apply_event(conn, event, parse_fields(event))
    except (IngestError, ValueError) as error:
        report.errors.append(f"{model} {entry.get('documentId', entry.get('id'))}: {error}")
        return
    report.outcomes[outcome] = report.outcomes.get(outcome, 0) + 1


async def import_export(conn: Conn, export: dict[str, Any]) -> ImportReport:
    """Apply every entry of an export, then freeze version 1 of packs that have none yet."""
    report = ImportReport()
    entries = export.get("entries", {})
    for model in MODEL_ORDER:
        for entry in entries.get(model, []):
            await import_entry(conn, model, entry, report)
    await conn.execute("""
        select app_private.snapshot_content_pack(p.id) from public.content_packs as p
        where not exists (select from public.content_pack_versions as v where v.pack_id = p.id)
    """)
    return report


async def load_file(database_url: str, path: Path) -> ImportReport:
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        await conn.execute("set role service_role")
        return await import_export(conn, orjson.loads(path.read_bytes()))


def load_path(database_url: str, path: Path) -> ImportReport:
    """Load the export at `path` into the database at `database_url` (idempotent)."""
    return asyncio.run(load_file(database_url, path))


def load_sample_content(database_url: str) -> ImportReport:
    """Load the shipped sample export into the database at `database_url` (idempotent)."""
    return load_path(database_url, SAMPLE_EXPORT)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("usage: python -m functions.cms.bulk_import <export.json>\n")
        return 2
    report = load_path(get_config().database_url.get_secret_value(), Path(argv[0]))
    sys.stdout.write(f"{report.outcomes}\n")
    for error in report.errors:
        sys.stderr.write(f"rejected: {error}\n")
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
