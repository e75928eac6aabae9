"""Game modules arriving from the CMS (issue 21, docs/modules.md): a Strapi `game-module`
entry carries a module manifest in its `manifest` field (a JSON field, or JSON text); publishing
it installs that version — an upgrade when it is newer — through the same all-or-nothing install
as `rfl modules install` and the admin API (functions.modules.store), as the service role.

Drafts install nothing. Unpublishing or deleting the entry removes nothing: campaigns pin
versions, so removal stays an explicit admin act (`DELETE /functions/v1/modules/{id}`). A bad
manifest is the webhook's 422 `invalid_webhook_payload` naming the field
(`entry.manifest.<field>`), and nothing is installed.
"""

from __future__ import annotations

import json
from typing import Literal

import psycopg
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from functions.cms.models import EventName, Lenient, StrapiEntry
from functions.common.config import FunctionSettings
from functions.common.db import SERVICE
from functions.common.errors import ApiError, validation_details
from functions.modules.manifest import Manifest, ManifestError, parse_manifest
from functions.modules.store import install_manifests
from native_platform.caller import caller_context_sql

__all__ = ["MODULE_MODELS", "ModulePublic", "receive_module"]

MODULE_MODELS = frozenset({"game-module"})
PUBLISHING = frozenset({"entry.create", "entry.update", "entry.publish"})
ModuleOutcome = Literal["installed", "unchanged", "draft_ignored", "ignored"]


class ModuleEntry(StrapiEntry):
    manifest: dict[str, object] | str


class ModuleEvent(Lenient):
    event: EventName
    model: Literal["game-module"]
    entry: ModuleEntry


class ModulePublic(BaseModel):
    """What a `game-module` delivery did: the version installed, or why nothing was."""

    outcome: ModuleOutcome
    model: str
    document_id: str
    id: str | None = Field(default=None, description="The module id (when installed)")
    version: str | None = None


def _refused(field: str, message: str) -> ApiError:
    return ApiError(
        422,
        "invalid_webhook_payload",
        f"invalid module manifest: {field}: {message}",
        {"field": f"entry.manifest.{field}" if field != "manifest" else "entry.manifest"},
    )


def _parse(raw: dict[str, object]) -> ModuleEvent:
    try:
        return ModuleEvent.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise ApiError(
            422,
            "invalid_webhook_payload",
            f"invalid webhook payload: {first['msg']} at {where}",
            validation_details(error),
        ) from None


def _manifest(entry: ModuleEntry) -> Manifest:
    """Checked as a `module.json` file is: size, depth, schema, rules."""
    text = entry.manifest if isinstance(entry.manifest, str) else json.dumps(entry.manifest)
    try:
        return parse_manifest(text)
    except ManifestError as error:
        raise _refused(error.field, error.message) from None


def _install(config: FunctionSettings, manifest: Manifest) -> str:
    with psycopg.connect(config.database_url.get_secret_value()) as conn:
        conn.execute(caller_context_sql(), SERVICE.params())
        try:
            results = install_manifests(conn, [manifest])
        except ManifestError as error:
            raise _refused(error.field, error.message) from None
        except psycopg.errors.UniqueViolation as error:
            # install_game_module's messages start with the field: "id: …" or "version: …".
            field, _, message = str(error.diag.message_primary or "").partition(": ")
            raise _refused(field or "manifest", message or str(error)) from None
    return next(r.outcome for r in results if r.id == manifest.id)


async def receive_module(config: FunctionSettings, raw: dict[str, object]) -> ModulePublic:
    """Install the published manifest of a `game-module` entry (idempotent: a replay of the
    same version is `unchanged`)."""
    event = _parse(raw)
    key = event.entry.key
    if event.event not in PUBLISHING:
        return ModulePublic(outcome="ignored", model=event.model, document_id=key)
    if event.event != "entry.publish" and event.entry.published_at is None:
        return ModulePublic(outcome="draft_ignored", model=event.model, document_id=key)
    manifest = _manifest(event.entry)
    outcome = await run_in_threadpool(_install, config, manifest)
    return ModulePublic(
        outcome="installed" if outcome == "installed" else "unchanged",
        model=event.model,
        document_id=key,
        id=manifest.id,
        version=manifest.version,
    )
